"""Where dlr leans on Hydra's internals, in one module.

Hydra's ``--help`` in a second, not three: its config store is not deep-copied 140 times.

To list the options of each config group, Hydra 1.3 builds a ``CachingConfigRepository`` per group, which
deep-copies the config repository "to avoid mutating it with initialize_sources()". That copy includes
the structured-config source's ``store``: the process-wide ``ConfigStore`` singleton with every schema and
plugin config (launchers, sweepers), about 7 ms a copy, and ``--help`` lists the groups twice. The store
itself is never mutated through the copy (``initialize_sources`` replaces the repository's source list;
``ConfigStore.load`` hands out deep copies of its nodes), so a deep copy of the singleton is the singleton.
"""

from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.types import Override


def _the_singleton(store: ConfigStore, memo: dict[int, Any]) -> ConfigStore:
    return store


def install() -> None:
    ConfigStore.__deepcopy__ = _the_singleton


def overrides_dirname(overrides: list[Override], exclude_keys, item_sep: str, kv_sep: str) -> str:
    """``hydra.job.override_dirname`` of a job with these task overrides, as Hydra's composition sets it."""
    from hydra._internal.config_loader_impl import get_overrides_dirname

    return get_overrides_dirname(overrides, list(exclude_keys), item_sep, kv_sep)

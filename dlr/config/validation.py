"""One schema pass over the composed config, before anything is built: every value a user can set is checked.

Why a pass over the composed config and not Hydra structured configs: dlr's groups hold ~45 models and ~30
datasets whose options are the constructor arguments of their ``_target_``; a dataclass per YAML would be a
second copy of every signature, and a structured config turns ``seed=abc`` into an OmegaConf traceback rather
than our one line. The rules, keyed by the key's name, are in ``dlr.config.rules``.

Imports stay light (stdlib, omegaconf): ``train.py width=0`` must answer before Lightning is imported. The
one exception: a ``+group.key=value`` on a node with ``_target_`` imports that target to read its signature.
"""

import difflib
import functools
import inspect
import re
from collections.abc import Iterator

from omegaconf import DictConfig, OmegaConf

from dlr.config.compose import CONF_DIR
from dlr.config.rules import BY_NAME, BY_TARGET, PRECISIONS, TOP_LEVEL, is_integer, one_of
from dlr.errors import ConfigError, require

# The groups whose keys are constructor arguments. An experiment's own nodes (transfer_study,
# tabular_benchmark, study) hold overrides and search spaces for other runs, which check them when they run.
RULED_GROUPS = ("data", "model", "optimizer", "scheduler", "trainer", "callbacks", "logger", "precision")
RULED_GROUPS += ("quantization", "transfer", "cv")

# Where a rule's name is ambiguous, the group decides (``mode`` of a callback vs of bitsandbytes).
SKIP = {"quantization.mode"}


def _walk(node: dict, prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _walk(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _resolved(cfg: DictConfig) -> list[tuple[str, object]]:
    try:
        return list(_walk(OmegaConf.to_container(cfg, resolve=True)))
    except Exception as error:  # an interpolation that names a missing key, a bad resolver argument
        key = getattr(error, "full_key", "") or "config"
        reason = str(getattr(error, "msg", error)).splitlines()[0]
        raise ConfigError(str(key), f"cannot be resolved: {reason}") from None


def check_values(cfg: DictConfig, launcher: DictConfig | None = None) -> None:
    """Every leaf whose name has a rule, in every group, then the top-level keys and the launcher."""
    if launcher is not None:
        check_launcher(launcher)
    leaves = _resolved(cfg)
    for key, rule in TOP_LEVEL.items():
        if key in cfg:
            rule(key, dict(leaves)[key])
    for key in ("train", "test"):
        if key in cfg:
            require(isinstance(cfg[key], bool), key, f"must be true or false, got {cfg[key]!r}")
    require(
        isinstance(cfg.get("task_name"), str) and bool(cfg.get("task_name")),
        "task_name",
        f"must be a non-empty name, got {cfg.get('task_name')!r}",
    )
    ckpt = cfg.get("ckpt_path")
    require(
        ckpt is None or isinstance(ckpt, str), "ckpt_path", f"must be null, last or a file path, got {ckpt!r}"
    )
    targets = {key.removesuffix("._target_"): value for key, value in leaves if key.endswith("._target_")}
    for key, value in leaves:
        if key.split(".")[0] in RULED_GROUPS and key not in SKIP:
            _apply_name_rules(key, value, targets.get(key.rpartition(".")[0]))
    if "trainer" in cfg and "precision" in cfg.trainer:
        one_of(*PRECISIONS)("trainer.precision", str(cfg.trainer.precision))


def _apply_name_rules(key: str, value, target: str | None = None) -> None:
    name = key.rsplit(".", 1)[-1]
    if ".zoo." in f".{key}" or value is None:  # zoo: documentation of a model; null: the default
        return
    if (target, name) in BY_TARGET:
        BY_TARGET[target, name](key, value)
        return
    for pattern, rule in BY_NAME:
        if re.fullmatch(pattern, name):
            rule(key, value)
            return


def check_launcher(launcher: DictConfig) -> None:
    """Options of Hydra's launcher plugins (``hydra.launcher.*``); they run before any job starts."""
    # One key at a time: some of them interpolate ``hydra.sweep.dir``, which a job's config no longer holds.
    launcher_keys = ("n_jobs", "backend", "timeout_min", "mem_gb", "cpus_per_task", "tasks_per_node", "nodes")
    for name in (*launcher_keys, "array_parallelism"):
        if name not in launcher:
            continue
        value, key = launcher[name], f"hydra.launcher.{name}"
        if name == "n_jobs":
            ok = is_integer(value) and value != 0 and value >= -1
            require(ok, key, f"must be an integer >= 1 or -1 (one per core), got {value!r}")
        elif name == "backend" and value is not None:
            one_of("loky", "multiprocessing", "threading")(key, value)
        else:
            _apply_name_rules(key, value)


def check_added_keys(cfg: DictConfig, overrides: list[str]) -> None:
    """A ``+key=value`` that nothing reads is a typo: refuse it, naming the nearest existing key."""
    known = [key for key, _ in _walk(OmegaConf.to_container(cfg, resolve=False))]
    for override in overrides:
        if not override.startswith("+") or override.startswith("++"):
            continue
        key = override[1:].split("=", 1)[0].strip()
        if _is_read(cfg, key):
            continue
        nearest = difflib.get_close_matches(key, [k for k in known if k != key], n=1, cutoff=0.5)
        hint = f"; did you mean {nearest[0]}?" if nearest else ""
        raise ConfigError(key, f"is not a key any part of dlr reads (added with +){hint}")


def _is_read(cfg: DictConfig, key: str) -> bool:
    parts = key.split(".")
    if len(parts) == 1 and (CONF_DIR / key).is_dir():  # a config group, such as +debug=limit
        return True
    if key in shipped_keys() or parts[-1].startswith("_"):  # another option sets it; Hydra's _target_, ...
        return True
    added = OmegaConf.select(cfg, key)
    if isinstance(added, DictConfig) and "_target_" in added:  # a whole new object, e.g. a callback
        return True
    parent = OmegaConf.select(cfg, ".".join(parts[:-1])) if len(parts) > 1 else None
    return isinstance(parent, DictConfig) and "_target_" in parent and _accepts(parent._target_, parts[-1])


@functools.cache
def shipped_keys() -> frozenset[str]:
    """Every key some shipped config sets, as a full path: what dlr's code is written to read."""
    keys = set()
    for path in CONF_DIR.rglob("*.yaml"):
        text = path.read_text()
        group = path.parent.relative_to(CONF_DIR).as_posix()
        prefix = "" if "@package _global_" in text or group == "." else f"{group.replace('/', '.')}."
        loaded = OmegaConf.to_container(OmegaConf.create(text), resolve=False)
        if isinstance(loaded, dict):
            keys.update(f"{prefix}{k}" for k, _ in _walk(loaded) if not k.startswith("defaults"))
    return frozenset(keys)


def _accepts(target: str, name: str) -> bool:
    """Whether ``name`` is a parameter of the target, following ``**kwargs`` up a class's bases."""
    from hydra.utils import get_object

    built = get_object(target)
    for function in [c.__init__ for c in built.__mro__] if inspect.isclass(built) else [built]:
        try:
            parameters = inspect.signature(function).parameters
        except (ValueError, TypeError):  # a builtin without a signature: let its constructor judge
            return True
        if name in parameters:
            return True
        if inspect.Parameter.VAR_KEYWORD not in {p.kind for p in parameters.values()}:
            return False
    return False


def check_width_is_read(cfg: DictConfig, overrides: list[str]) -> None:
    """A ``width=`` override that the model and its data never read would give identical runs: refuse it."""
    widths = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") == "width"]
    if not widths or "model" not in cfg:
        return
    groups = [
        OmegaConf.to_container(cfg[group], resolve=False) for group in ("model", "data") if group in cfg
    ]
    require(
        "${width}" in repr(groups),
        "width",
        f"model={cfg.model.get('name')} does not read width (its size is set by its own model.net options); "
        f"drop {widths[0]}",
    )


def check_augment_is_read(cfg: DictConfig) -> None:
    """Augmenting data that takes none (a flip of a table) is refused: image sets read ``${augment}``."""
    name = OmegaConf.select(cfg, "augment.name", default="none")
    if name != "none" and "data" in cfg:
        data = cfg.data.get("name") or cfg.data.get("_target_")
        read = "${augment}" in repr(OmegaConf.to_container(cfg.data, resolve=False))
        require(read, "augment", f"augment={name} applies to image sets; data={data} takes none")


def check_required(cfg: DictConfig, supplied: tuple[str, ...] = ()) -> None:
    """A mandatory value (``???``) left unset: named here, before OmegaConf's 40-line error when it is read.

    ``supplied``: mandatory keys of a group that another source fills (predict.py's ``data.target`` comes
    from the training run)."""
    for key, value in _walk(OmegaConf.to_container(cfg, resolve=False)):
        if value == "???" and key not in supplied:
            raise ConfigError(key, f"is required and has no value; add {key}=... to the command")


def validate_config(
    cfg: DictConfig,
    overrides: list[str] = (),
    launcher: DictConfig | None = None,
    supplied: tuple[str, ...] = (),
) -> None:
    check_required(cfg, supplied)
    check_added_keys(cfg, list(overrides))
    check_width_is_read(cfg, list(overrides))
    check_augment_is_read(cfg)
    check_values(cfg, launcher)

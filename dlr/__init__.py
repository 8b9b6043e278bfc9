"""dlr: configurable deep-learning research on Hydra and Lightning.

The Python API (:mod:`dlr.api`): ``dlr.compose``, ``dlr.train``, ``dlr.load``, ``dlr.runs``, loaded on first
use so that ``import dlr`` stays light. Importing dlr registers its ``dlr_*`` OmegaConf resolvers (additive:
every process that resolves a dlr config needs them, sweep workers that import dlr only by unpickling a job
included) and changes nothing else: the start-up patches (``dlr.patches``) are installed by the entry points
alone.
"""

from dlr.config.resolvers import register as _register_resolvers

_register_resolvers()

_API = ("compose", "load", "runs", "train")


def __getattr__(name: str):
    if name in _API:
        from dlr import api

        return getattr(api, name)
    raise AttributeError(f"module 'dlr' has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*globals(), *_API]

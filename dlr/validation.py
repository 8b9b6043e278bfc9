"""Checks of the composed config that need nothing heavier than omegaconf, so a bad value answers at once.

``train.py`` calls :func:`validate_config` before importing torch or Lightning; each group's own options
are checked again by the object it builds.
"""

from omegaconf import DictConfig

from dlr.errors import require


def validate_config(cfg: DictConfig, overrides: list[str] = (), launcher: DictConfig | None = None) -> None:
    for key in ("width", "depth"):
        if key in cfg:
            value = cfg[key]
            require(isinstance(value, int) and value >= 1, key, f"must be an integer >= 1, got {value!r}")

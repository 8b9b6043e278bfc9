"""Configs stored in checkpoints by earlier versions of dlr, brought to the current layout so eval.py and
predict.py rebuild those runs too.

Before the ``transfer`` and ``quantization`` groups named their implementation with ``_target_``, a stored
config held only their options; the target is read from the shipped config of the same name.
"""

from pathlib import Path

from omegaconf import OmegaConf

from dlr.config.compose import CONF_DIR
from dlr.errors import require

TARGETED_GROUPS = ("transfer", "quantization")


def shipped_target(group: str, name: str) -> str:
    """The ``_target_`` of ``conf/<group>/<name>.yaml``, or of the config it extends (its defaults list)."""
    path = CONF_DIR / group / f"{name}.yaml"
    require(
        path.is_file(),
        group,
        f"the checkpoint's {group}={name} is no longer shipped (conf/{group}/), so its run cannot be rebuilt",
    )
    shipped = OmegaConf.load(path)
    if "_target_" in shipped:
        return shipped._target_
    extended = [
        entry for entry in shipped.get("defaults") or [] if isinstance(entry, str) and entry != "_self_"
    ]
    require(bool(extended), group, f"{Path(path).name} names no _target_ and extends no other config")
    return shipped_target(group, extended[0])


def upgraded(stored: dict) -> dict:
    """``stored`` with each targeted group named by its ``_target_``; a group it lacks is that group's none."""
    config = dict(stored)
    for group in TARGETED_GROUPS:
        spec = config.get(group)
        if spec is None:
            spec = OmegaConf.to_container(OmegaConf.load(CONF_DIR / group / "none.yaml"))
        if "_target_" not in spec:
            spec = {"_target_": shipped_target(group, spec["name"]), **spec}
        config[group] = spec
    return config

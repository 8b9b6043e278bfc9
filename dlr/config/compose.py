"""Composing the real configs outside ``@hydra.main`` (tests, benchmarks, notebooks), as a run would see them."""

from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


def compose_config(
    overrides: list[str] | None = None,
    output_dir: str | Path = "outputs/adhoc",
    config_name: str = "train",
    **paths: str,
) -> DictConfig:
    """Compose ``config_name`` with ``overrides``; the run writes to ``output_dir``.

    ``paths`` overrides entries of the ``paths`` group (``data_dir``, ``log_dir``). Hydra's own node is
    installed as the current HydraConfig and removed from the returned config, as in a real job.
    """
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name, overrides=list(overrides or []), return_hydra_config=True)
    with open_dict(cfg):
        cfg.paths.root_dir = str(CONF_DIR.parent)
        for key, value in paths.items():
            cfg.paths[key] = str(value)
        cfg.paths.output_dir = str(output_dir)
        cfg.hydra.runtime.output_dir = str(output_dir)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg.hydra
    return cfg


def zoo_torch_models() -> dict[str, list[str]]:
    """Each ``model=`` option with a ``zoo:`` block that trains a torch net: its zoo overrides, without their
    epoch budget (the caller sets its own). Estimators (trees, TabPFN: an ``estimator:`` key) fit outside
    torch; ``minilm`` needs its text model's weights, so neither has a device to check."""
    models = {}
    for path in sorted((CONF_DIR / "model").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text()) or {}
        block = spec.get("zoo")
        if block and "estimator" not in spec and path.stem != "minilm":
            models[path.stem] = [o for o in block.get("overrides", []) if "max_epochs" not in o]
    return models

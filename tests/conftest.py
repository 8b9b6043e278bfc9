"""Fixtures: compose the real configs with hydra.compose and run the real flow in-process on tiny budgets."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

import dlr  # noqa: F401  (registers resolvers)

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One generated-data cache for the whole session, so mnist1d is generated once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def make_cfg(tmp_path, data_dir):
    """``make_cfg(overrides, config_name="train")`` composes a config whose outputs land in tmp_path."""

    def _make(overrides: list[str] | None = None, config_name: str = "train", run_name: str = "run") -> DictConfig:
        GlobalHydra.instance().clear()
        with initialize_config_dir(str(CONF), version_base="1.3"):
            cfg = compose(config_name, overrides=list(overrides or []), return_hydra_config=True)
        with open_dict(cfg):
            cfg.paths.root_dir = str(ROOT)
            cfg.paths.data_dir = str(data_dir)
            cfg.paths.log_dir = str(tmp_path / "outputs")
            cfg.paths.output_dir = str(tmp_path / "outputs" / run_name)
            cfg.hydra.runtime.output_dir = cfg.paths.output_dir
        HydraConfig.instance().set_config(cfg)
        with open_dict(cfg):
            del cfg.hydra  # as in a real run, where the job's config holds no `hydra` node
        return cfg

    yield _make
    GlobalHydra.instance().clear()


FAST = ["trainer.max_epochs=3", "callbacks=none", "logger=none", "trainer.num_sanity_val_steps=0"]

"""train.py and eval.py take the same top-level keys, except those eval reads from the checkpoint's run."""

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from dlr.config.compose import CONF_DIR

# What the trained net was and how its run went (compile: whether its net ran compiled): eval rebuilds these
# from the checkpoint's stored config.
FROM_THE_CHECKPOINT = {"width", "depth", "train", "test", "compile"}


def top_level_values(config_name: str) -> dict:
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name, overrides=["ckpt_path=x"] if config_name == "eval" else [])
    return {k: v for k, v in OmegaConf.to_container(cfg).items() if not isinstance(v, dict)}


TRAIN_KEYS = sorted(set(top_level_values("train")) - FROM_THE_CHECKPOINT)


@pytest.mark.parametrize("key", TRAIN_KEYS)
def test_eval_takes_every_run_level_key_of_train(key):
    assert key in top_level_values("eval"), f"eval.py rejects {key}=..., which train.py accepts"


def test_eval_accepts_torch_threads_on_its_command_line():
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose("eval", overrides=["ckpt_path=x", "torch_threads=1"])
    assert cfg.torch_threads == 1

"""Every option of every config group composes, and the top-level keys are where users expect them."""

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from dlr.config.compose import CONF_DIR


def options():
    for group_dir in sorted(p for p in CONF_DIR.iterdir() if p.is_dir() and p.name != "hydra"):
        for option in sorted(group_dir.rglob("*.yaml")):
            yield group_dir.name, option.relative_to(group_dir).with_suffix("").as_posix()


@pytest.fixture(scope="module")
def hydra_session():
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        yield
    GlobalHydra.instance().clear()


@pytest.mark.parametrize(("group", "option"), list(options()))
def test_every_option_composes(hydra_session, group, option):
    cfg = compose("train", overrides=[f"{group}={option}"], return_hydra_config=True)
    assert cfg.hydra.runtime.choices[group] == option


def test_primary_config_has_the_documented_keys(make_cfg):
    cfg = make_cfg()
    for key in ("seed", "width", "task_name", "tags", "ckpt_path", "train", "test"):
        assert key in cfg
    for group in ("data", "model", "trainer", "callbacks", "logger", "paths"):
        assert group in cfg
    assert cfg.model.net.width == cfg.width


def test_width_reaches_every_sized_model(make_cfg):
    for model in ("mlp", "cnn"):
        assert make_cfg([f"model={model}", "width=7"]).model.net.width == 7


def test_debug_configs_set_trainer_limits(make_cfg):
    assert make_cfg(["debug=fast_dev_run"]).trainer.fast_dev_run is True
    assert make_cfg(["debug=overfit"]).trainer.overfit_batches > 0
    assert make_cfg(["debug=limit"]).trainer.limit_train_batches == 5

"""Every zoo net has the one constructor signature of docs/adding_a_model.md, and where the top-level
``width`` is its capacity, more width means more parameters."""

import inspect

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from dlr.config.compose import CONF_DIR, zoo_torch_models
from dlr.tasks.base import count_parameters
from dlr.tasks.from_config import build_datamodule, build_net

NET_TARGETS = sorted(
    {
        OmegaConf.load(path).net._target_
        for path in CONF_DIR.glob("model/*.yaml")
        if "net" in OmegaConf.load(path) and OmegaConf.load(path).net.get("_target_")
    }
)
ZOO = zoo_torch_models()
# Configs whose `${width}` sizes the net's weights, straight (model.net.width) or through the data
# (hopfield). NTM and DNC read it as memory slots, which hold state, not parameters; logistic has no hidden
# layer (depth 0) and keeps `${width}` only so width sweeps over the zoo compose; principal_features reads
# width raw features but learns a readout of a fixed n_components.
NOT_SIZED = {"ntm", "dnc", "logistic", "principal_features"}
SIZED_BY_WIDTH = sorted(
    name
    for name in ZOO
    if "${width}" in (CONF_DIR / "model" / f"{name}.yaml").read_text() and name not in NOT_SIZED
) + ["hopfield"]


@pytest.mark.parametrize("target", NET_TARGETS)
def test_every_net_takes_shape_size_options_and_data_info(target):
    parameters = list(inspect.signature(get_class(target)).parameters.values())
    assert [p.name for p in parameters[:2]] == ["input_shape", "output_size"]
    assert all(p.default is inspect.Parameter.empty for p in parameters[:2])
    options = [p for p in parameters[2:] if p.kind is not inspect.Parameter.VAR_KEYWORD]
    assert all(p.default is not inspect.Parameter.empty for p in options), "every option has a default"
    data_info = [p for p in options if p.name == "data_info"]
    assert data_info and data_info[0].kind is inspect.Parameter.KEYWORD_ONLY
    names = [p.name for p in options]
    if "width" in names:
        assert names[0] == "width", "width comes first among the options"
    if "depth" in names:
        assert names[names.index("width") + 1] == "depth", "depth follows width"


def parameter_count(make_cfg, name: str, width: int) -> int:
    cfg = make_cfg([f"model={name}", *ZOO[name], f"width={width}"])
    return count_parameters(build_net(cfg, build_datamodule(cfg)))["params/total"]


@pytest.mark.parametrize("name", SIZED_BY_WIDTH)
def test_width_grows_the_parameter_count_of_every_sized_zoo_net(make_cfg, name):
    assert parameter_count(make_cfg, name, 8) > parameter_count(make_cfg, name, 4)

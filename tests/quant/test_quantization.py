"""Quantization configs: each round-trips through safetensors and stays within a stated tolerance of fp32."""

import copy
from pathlib import Path

import pytest
import torch
from torch import nn

from dlr.errors import ConfigError
from dlr.quant import export
from dlr.quant.bnb import quantize_base
from dlr.quant.methods import shipped_post_training
from dlr.quant.ptq import quantize_net
from dlr.quant.qat import qat_base_config
from dlr.quant.qlora import apply_qlora, merge_qlora
from dlr.run.evaluate import evaluate
from dlr.run.train import train
from tests.conftest import FAST

SHORT = [*FAST, "trainer.max_epochs=4", "data.num_samples=2000"]
# Accuracy points a quantized net may lose against its float self on MNIST-1D's test split.
TOLERANCE = {"int8_dynamic": 0.02, "int8_weight_only": 0.02, "int4_weight_only": 0.05}
PTQ = [
    ["quantization=int8_dynamic"],
    ["quantization=int8_dynamic", "quantization.backend=fbgemm"],
    ["quantization=int8_weight_only"],
    ["quantization=int4_weight_only"],
]
PTQ_IDS = ["int8_dynamic-torchao", "int8_dynamic-fbgemm", "int8_weight_only", "int4_weight_only"]


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)
    ).eval()


def _ptq(spec: dict):
    return lambda seed: quantize_net(_net(seed), shipped_post_training(**spec))


def _qat(seed: int) -> nn.Module:
    from torchao.quantization import quantize_
    from torchao.quantization.qat import QATConfig

    net = _net(seed)
    quantize_(net, QATConfig(qat_base_config("int8", None), step="prepare"))
    quantize_(net, QATConfig(qat_base_config("int8", None), step="convert"))
    return net


def _qlora(seed: int) -> nn.Module:
    return merge_qlora(apply_qlora(_net(seed))[0]).eval()


def _bnb(mode: str):
    def build(seed: int) -> nn.Module:
        net = _net(seed)
        quantize_base(net, mode, None, "cpu")
        return net

    return build


BUILDERS = {
    "int8_dynamic-torchao": _ptq({"name": "int8_dynamic"}),
    "int8_dynamic-fbgemm": _ptq({"name": "int8_dynamic", "backend": "fbgemm"}),
    "int8_weight_only": _ptq({"name": "int8_weight_only"}),
    "int4_weight_only": _ptq({"name": "int4_weight_only", "group_size": 32}),
    "qat": _qat,
    "qlora": _qlora,
    # bnb int8 round-trips through its checkpoint (tests/quant/test_bnb.py): loading into a template with
    # assign=True would replace its Int8Params by a plain tensor, which bitsandbytes refuses.
    "bnb-nf4-dq": _bnb("nf4-dq"),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_quantized_net_round_trips_through_safetensors(tmp_path, name):
    saved, template = BUILDERS[name](0), BUILDERS[name](1)  # the template: same structure, other values
    x = torch.randn(8, 1, 40)
    assert not torch.equal(saved(x), template(x))
    export.save(saved, tmp_path / "net.safetensors")
    loaded = export.load(template, tmp_path / "net.safetensors")
    assert torch.equal(loaded(x), saved(x))


@pytest.mark.parametrize("overrides", PTQ, ids=PTQ_IDS)
def test_post_training_quantization_stays_within_tolerance_of_fp32(make_cfg, overrides):
    record = train(make_cfg([*SHORT, *overrides]))
    metrics, name = record["metrics"], overrides[0].split("=")[1]
    assert metrics["reference/test/acc"] > 0.25  # the float net learned (chance is 0.1)
    assert metrics["delta/test/acc"] >= -TOLERANCE[name]
    assert metrics["quantization/float_linears"] == 0 and metrics["size/ratio"] < 0.5
    assert (Path(record["run_dir"]) / f"model_{name}.safetensors").is_file()


def test_eval_quantizes_a_checkpoint_and_reports_delta_size_and_latency(make_cfg):
    trained = train(make_cfg([*SHORT, "callbacks=default"], run_name="train"))
    last = Path(trained["run_dir"]) / "checkpoints" / "last.ckpt"
    cfg = make_cfg(
        [f"ckpt_path={last}", "logger=none", "quantization=int8_weight_only"],
        config_name="eval",
        run_name="eval",
    )
    metrics = evaluate(cfg)["metrics"]
    assert metrics["reference/test/acc"] == pytest.approx(trained["metrics"]["test/acc"], abs=1e-7)
    assert abs(metrics["delta/test/acc"]) <= TOLERANCE["int8_weight_only"]
    assert (
        metrics["size/quantized_bytes"] < 0.5 * metrics["size/reference_bytes"]
        and metrics["latency_ms/quantized"] > 0
    )


def test_int4_without_a_kernel_fails_in_one_line():
    with pytest.raises(ConfigError, match="int4_weight_only has no kernel on mps"):
        quantize_net(copy.deepcopy(_net(0)), shipped_post_training("int4_weight_only"), device="mps")

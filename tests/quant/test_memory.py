"""Memory: the estimate equals the exact bytes of the tensors training creates; the course's 880 GB."""

import runpy

import pytest
import torch

from dlr.quant.memory import tensor_bytes
from dlr.run.train import train
from tests.conftest import FAST, ROOT

ONE_EPOCH = [
    *FAST,
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
    "data.num_samples=1000",
]
PARTS = ("params", "grads", "optimizer_state")


@pytest.fixture
def eager_compile(monkeypatch):
    """torchao's low-bit optimizers torch.compile their step (a minute on this CPU); tests run it eagerly."""
    monkeypatch.setattr(torch, "compile", lambda fn, **options: fn)


@pytest.mark.parametrize(
    "overrides",
    [
        ["optimizer=adamw"],
        ["optimizer=sgd"],
        ["optimizer=adamw8bit", "width=128"],
        ["optimizer=adamw4bit", "width=128"],
        ["precision=bf16-true"],
    ],
    ids=["adamw", "sgd", "adamw8bit", "adamw4bit", "bf16-true"],
)
def test_estimate_equals_the_measured_bytes_of_params_grads_and_optimizer_state(
    make_cfg, eager_compile, overrides
):
    metrics = train(make_cfg([*ONE_EPOCH, *overrides]))["metrics"]
    for part in PARTS:
        assert metrics[f"memory/estimate/{part}_bytes"] == metrics[f"memory/measured/{part}_bytes"], part
    assert metrics["memory/measured/peak_rss_bytes"] > metrics["memory/estimate/total_bytes"]


@pytest.mark.slow
def test_low_bit_optimizer_state_is_a_fraction_of_adamw(make_cfg, eager_compile):
    def state(optimizer: str) -> float:
        return train(make_cfg([*ONE_EPOCH, f"optimizer={optimizer}", "width=256"], run_name=optimizer))[
            "metrics"
        ]["memory/measured/optimizer_state_bytes"]

    full, eight = state("adamw"), state("adamw8bit")
    # 1 byte and a share of a block scale instead of 4 bytes per value (tensors under 4096 values stay fp32).
    assert eight < 0.4 * full


def test_quantized_tensor_subclasses_are_measured_by_storage_not_logical_dtype():
    from torchao.quantization import to_nf4

    weight = torch.randn(256, 256)
    nf4 = to_nf4(weight, 64, 256)
    assert nf4.dtype == torch.float32  # what the subclass claims
    stored = (
        nf4.quantized_data.numel()
        + tensor_bytes(nf4.quantization_factor)
        + tensor_bytes(nf4.quantized_scalers)
    )
    assert tensor_bytes(nf4) == stored + tensor_bytes(nf4.scaler_mean) + tensor_bytes(nf4.nf4)
    assert tensor_bytes(nf4) < 0.15 * tensor_bytes(weight)


def test_memory_script_reproduces_the_course_880_gb(capsys):
    script = runpy.run_path(str(ROOT / "scripts" / "memory.py"))  # in-process: no second torch import
    result = script["main"](["params=220e9", "dtype=fp32"])
    assert "= 880.0 GB of weights" in capsys.readouterr().err  # the table is for people: stderr
    assert (
        result["bytes"]["fp32"]["weights"] == 880e9 and result["bytes"]["fp32"]["training_total"] == 4 * 880e9
    )

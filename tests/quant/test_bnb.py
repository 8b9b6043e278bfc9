"""quantization=bnb: bitsandbytes' 4-bit and int8 layers under a float head, on bitsandbytes' CPU backend.

The tolerance: a bnb net may lose at most ``TOLERANCE`` accuracy points against the float net it came from,
on MNIST-1D's test split, both when its head is fine-tuned over the quantized base (train.py) and when a
float checkpoint is quantized after the fact (eval.py). A bnb checkpoint reloads exactly.
"""

from pathlib import Path

import pytest
import torch
from torch import nn

from dlr.errors import ConfigError
from dlr.quant.bnb import compute_dtype, quantize_base
from dlr.run.evaluate import evaluate
from dlr.run.train import train
from dlr.tasks.from_config import build_datamodule, build_task
from tests.conftest import FAST

TOLERANCE = {"nf4-dq": 0.05, "int8": 0.02}
SHORT = [*FAST, "trainer.max_epochs=6", "data.num_samples=2000"]


@pytest.mark.parametrize("mode", ["nf4", "nf4-dq", "fp4", "fp4-dq", "int8"])
def test_every_linear_but_the_head_becomes_a_frozen_bitsandbytes_layer(make_cfg, mode):
    import bitsandbytes as bnb

    task = build_task(make_cfg(FAST), build_datamodule(make_cfg(FAST)))
    net = task.net.eval()
    x = torch.randn(16, 1, 40)
    before = net(x)
    assert quantize_base(net, mode, None, "cpu") == 2
    quantized = (bnb.nn.Linear8bitLt, bnb.nn.Linear4bit)
    assert sum(isinstance(m, quantized) for m in net.modules()) == 2
    (head,) = [m for m in net.modules() if type(m) is nn.Linear]  # the head alone stays a float Linear
    assert {id(p) for p in net.parameters() if p.requires_grad} == {id(head.weight), id(head.bias)}
    after = net(x)
    assert after.dtype == torch.float32
    relative = ((after - before).norm() / before.norm()).item()
    assert 0 < relative < (0.05 if mode == "int8" else 0.3)  # quantized, and close to the float net


def test_int8_computes_in_float16_and_nothing_to_quantize_is_refused():
    assert compute_dtype("int8", None, "cuda") == torch.float16
    assert compute_dtype("nf4", None, "cpu") == torch.float32
    with pytest.raises(ConfigError, match=r"quantization\.dtype.*int8 mode computes in float16"):
        compute_dtype("int8", "bfloat16", "cuda")
    with pytest.raises(ConfigError, match=r"quantization\.mode: must be one of nf4, nf4-dq"):
        compute_dtype("int8-training", None, "cpu")
    with pytest.raises(ConfigError, match="bnb quantizes the Linear layers below the head"):
        quantize_base(nn.Sequential(nn.Linear(4, 2)), "nf4", None, "cpu")


@pytest.fixture
def float_run(make_cfg) -> dict:
    record = train(make_cfg([*SHORT, "callbacks=default"], run_name="float"))
    assert record["metrics"]["test/acc"] > 0.3  # the float net learned (chance is 0.1)
    return record


@pytest.mark.parametrize("mode", list(TOLERANCE))
def test_bnb_fine_tunes_within_tolerance_of_fp32_and_eval_reloads_it_exactly(make_cfg, float_run, mode):
    head_training = [*SHORT, "callbacks=default", "trainer.max_epochs=2"]
    head_training += [f"transfer.checkpoint={float_run['run_dir']}"]
    # The fp32 reference trains what bnb trains: the head, over the frozen float base (a linear probe).
    probe = train(make_cfg([*head_training, "transfer=freeze"], run_name="probe"))
    cfg = make_cfg(
        [*head_training, "transfer=finetune", "quantization=bnb", f"quantization.mode={mode}"], run_name=mode
    )
    tuned = train(cfg)
    assert tuned["status"] == "completed", tuned.get("error")
    assert tuned["metrics"]["params/trainable"] == cfg.width * 10 + 10  # the head alone
    assert tuned["metrics"]["test/acc"] >= probe["metrics"]["test/acc"] - TOLERANCE[mode]
    last = Path(tuned["run_dir"]) / "checkpoints" / "last.ckpt"
    reloaded = evaluate(make_cfg([f"ckpt_path={last}", "logger=none"], "eval", f"eval-{mode}"))
    assert reloaded["metrics"]["test/acc"] == tuned["metrics"]["test/acc"]
    with pytest.raises(SystemExit):  # a bnb net is not quantized again
        evaluate(make_cfg([f"ckpt_path={last}", "quantization=int8_dynamic"], "eval", f"again-{mode}"))


@pytest.mark.parametrize("mode", list(TOLERANCE))
def test_eval_quantizes_a_float_checkpoint_with_bnb_within_tolerance(make_cfg, float_run, mode):
    last = Path(float_run["run_dir"]) / "checkpoints" / "last.ckpt"
    overrides = [f"ckpt_path={last}", "logger=none", "quantization=bnb", f"quantization.mode={mode}"]
    metrics = evaluate(make_cfg(overrides, "eval", f"ptq-{mode}"))["metrics"]
    assert metrics["reference/test/acc"] == pytest.approx(float_run["metrics"]["test/acc"], abs=1e-7)
    assert metrics["delta/test/acc"] >= -TOLERANCE[mode]
    assert metrics["size/ratio"] < (0.4 if mode == "int8" else 0.3)

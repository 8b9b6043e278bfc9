"""Each precision trains a few steps on this CPU; fp16 needs the larger eps; a GPU ask fails in one line."""

import functools
import json
import math
from pathlib import Path

import pytest
import torch

from dlr.quant.precision import with_eps
from dlr.run.train import train
from tests.conftest import FAST

FEW_STEPS = [
    *FAST,
    "trainer.max_epochs=2",
    "trainer.limit_train_batches=8",
    "trainer.limit_val_batches=2",
    "trainer.limit_test_batches=2",
    "data.num_samples=2000",
]


@pytest.mark.parametrize(
    "precision", ["32-true", "64-true", "bf16-mixed", "bf16-true", "16-mixed", "16-true"]
)
def test_each_precision_trains_a_few_steps_on_cpu(make_cfg, precision):
    record = train(make_cfg([*FEW_STEPS, f"precision={precision}"]))
    assert record["status"] == "completed", record.get("error")
    # Lightning has no fp16 autocast on CPU: 16-mixed runs bf16-mixed, and the record says so
    ran = "bf16-mixed" if precision == "16-mixed" else precision
    assert record["precision"] == {"requested": precision, "ran": ran}
    metrics = record["metrics"]
    assert math.isfinite(metrics["train/loss"])
    assert metrics["val/acc"] > 0.15  # learning has begun: chance is 0.1


def test_fp16_with_adamw_default_eps_goes_to_nan_and_the_config_eps_fixes_it(make_cfg):
    common = [*FEW_STEPS, "precision=16-true"]
    broken = make_cfg([*common, "precision.optimizer_eps=null"], run_name="broken")
    with pytest.raises(SystemExit):  # the finite-loss guard stops the run at the first nan
        train(broken)
    record = json.loads((Path(broken.paths.output_dir) / "metrics.json").read_text())
    assert record["status"] == "failed" and record["error"].startswith("non-finite loss at step")
    fixed = train(make_cfg(common, run_name="fixed"))
    assert math.isfinite(fixed["metrics"]["train/loss"])


def test_eps_is_given_only_to_optimizers_that_have_one():
    adamw = with_eps(functools.partial(torch.optim.AdamW, lr=0.1), 1e-4)
    sgd = functools.partial(torch.optim.SGD, lr=0.1)
    assert adamw.keywords == {"lr": 0.1, "eps": 1e-4}
    assert with_eps(sgd, 1e-4) is sgd


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error a CPU-only machine gives")
def test_asking_for_a_gpu_precision_without_cuda_fails_in_one_line(make_cfg):
    cfg = make_cfg([*FEW_STEPS, "trainer.accelerator=gpu", "precision=bf16-mixed"])
    with pytest.raises(SystemExit):
        train(cfg)
    record = json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())
    assert (
        record["status"] == "failed"
        and "CUDA is not available" in record["error"]
        and "\n" not in record["error"]
    )


@pytest.mark.parametrize("precision", ["bf16-mixed", "16-true", "64-true"])
def test_batch_groups_train_exactly_like_single_batches_in_each_precision(make_cfg, precision):
    """Autocast, half and double weights, and double inputs all hold inside a group of plain torch steps."""
    common = [
        *FAST,
        "trainer.max_epochs=2",
        "data.num_samples=600",
        "data.batch_size=32",
        f"precision={precision}",
    ]
    one = train(make_cfg([*common, "data.batches_per_step=1"], run_name="one"))
    grouped = train(make_cfg([*common, "data.batches_per_step=4"], run_name="grouped"))
    assert grouped["data"]["batches_per_step"] == 4
    for key in ("train/loss", "val/loss", "test/acc"):
        assert grouped["metrics"][key] == pytest.approx(one["metrics"][key], rel=1e-6), key

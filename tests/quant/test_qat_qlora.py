"""QAT and QLoRA inside a Lightning run: they train, convert at the end, and the converted net is smaller."""

from pathlib import Path

import pytest

from dlr.run.evaluate import evaluate
from dlr.run.train import train
from tests.conftest import FAST

SHORT = [*FAST, "trainer.max_epochs=4", "data.num_samples=2000"]


def test_qat_trains_and_converts_to_int8(make_cfg):
    metrics = train(make_cfg([*SHORT, "quantization=qat"]))["metrics"]
    assert metrics["test/acc"] > 0.25  # the converted int8 net, chance is 0.1
    assert abs(metrics["delta/test/acc"]) <= 0.02  # converted vs the fake-quantized net it was trained as
    assert metrics["size/ratio"] < 0.4


def test_qlora_trains_adapters_on_a_frozen_nf4_base_and_merges(make_cfg):
    metrics = train(make_cfg([*SHORT, "quantization=qlora", "optimizer.lr=0.01"]))["metrics"]
    assert metrics["params/trainable"] < 0.5 * metrics["params/total"]  # adapters and head only
    assert metrics["test/acc"] > 0.2  # random frozen features + rank-8 adapters; chance is 0.1
    assert abs(metrics["delta/test/acc"]) <= 0.05  # merged and re-quantized vs the adapter net
    assert metrics["size/ratio"] < 0.5


@pytest.mark.parametrize("method", ["qat", "qlora"])
def test_eval_of_a_qat_or_qlora_checkpoint_reproduces_the_training_report(make_cfg, method):
    trained = train(make_cfg([*SHORT, "callbacks=default", f"quantization={method}"], run_name="train"))
    last = Path(trained["run_dir"]) / "checkpoints" / "last.ckpt"
    cfg = make_cfg([f"ckpt_path={last}", "logger=none"], config_name="eval", run_name="eval")
    evaluated = evaluate(cfg)["metrics"]
    for key in ("test/acc", "reference/test/acc", "delta/test/acc", "size/quantized_bytes"):
        assert evaluated[key] == trained["metrics"][key], key
    quantize_again = [f"ckpt_path={last}", "logger=none", "quantization=int8_dynamic"]
    with pytest.raises(SystemExit):  # a one-line error: the net is quantized already
        evaluate(make_cfg(quantize_again, config_name="eval", run_name="again"))

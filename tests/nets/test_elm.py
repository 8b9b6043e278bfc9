"""ELM: a one-pass ridge readout of fixed random features beats a linear model, and survives eval.py."""

from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from dlr.run.evaluate import evaluate
from dlr.run.train import train
from dlr.tasks.from_config import build_datamodule
from tests.conftest import FAST

ELM = ["model=elm", "data=mnist1d", "data.num_samples=1000", "trainer.max_epochs=1"]


def test_elm_beats_logistic_regression_on_raw_mnist1d(make_cfg):
    cfg = make_cfg([*ELM, "width=600", *FAST[1:]])
    record = train(cfg)
    data = build_datamodule(cfg)
    # Baseline: a linear model on the raw 40 samples, fitted to convergence on the same training split.
    linear = LogisticRegression(max_iter=500).fit(data.train.x.flatten(1).numpy(), data.train.y.numpy())
    baseline = linear.score(data.test.x.flatten(1).numpy(), data.test.y.numpy())
    assert record["metrics"]["test/acc"] > baseline + 0.06, (record["metrics"]["test/acc"], baseline)
    assert record["metrics"]["params/trainable"] == 600 * 10 + 10  # only the readout is learned


def test_elm_solved_readout_is_checkpointed_and_reloaded_by_eval(make_cfg):
    trained = train(
        make_cfg([*ELM, "width=600", "logger=none", "trainer.num_sanity_val_steps=0"], run_name="train")
    )
    last = Path(trained["run_dir"]) / "checkpoints" / "last.ckpt"
    evaluated = evaluate(make_cfg([f"ckpt_path={last}", "logger=none"], config_name="eval", run_name="eval"))
    assert trained["metrics"]["test/acc"] > 0.3  # chance is 0.1: the checkpoint holds a solved readout
    assert evaluated["metrics"]["test/acc"] == pytest.approx(trained["metrics"]["test/acc"], abs=1e-7)

"""Tree ensembles run through the estimator path with the same data configs, metrics keys and records."""

import json

import pytest

from dlr.run import train
from tests.conftest import FAST

TREES = ["hist_gbm", "random_forest", "xgboost", "lightgbm", "catboost"]


@pytest.mark.parametrize("model", TREES)
def test_tree_beats_majority_class_on_penguins(make_cfg, model):
    cfg = make_cfg([f"model={model}", "data=penguins", "width=30", *FAST, "logger=csv"])
    record = train(cfg)
    assert record["status"] == "completed"
    # Adelie, the largest class, is 44% of the penguins: a tree should be right almost always.
    assert record["metrics"]["test/acc"] > 0.44 + 0.4
    assert {"train/acc", "val/acc", "test/loss"} <= set(record["metrics"])
    assert record["data"]["feature_info"]["cardinalities"] == [3, 2, 3]  # island, sex, year
    on_disk = json.loads(open(f"{cfg.paths.output_dir}/metrics.json").read())
    assert on_disk["status"] == "completed" and on_disk["estimator"]
    logged = open(f"{cfg.paths.output_dir}/csv/metrics.csv").read()  # the loggers get the same metrics
    assert "test/acc" in logged.splitlines()[0]


@pytest.mark.parametrize("model", TREES)
def test_tree_beats_the_mean_on_carseats_regression(make_cfg, model):
    record = train(make_cfg([f"model={model}", "data=carseats", "width=50", *FAST]))
    assert record["data"]["task_type"] == "regression"
    # Predicting the mean gives R2 = 0.
    assert record["metrics"]["test/r2"] > 0.3
    assert record["metrics"]["test/loss"] < 0.8  # MSE of the standardised target; the mean scores about 1

"""Tree ensembles run through the estimator path with the same data configs, metrics keys and records."""

import json
import tracemalloc

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from dlr.analysis.tree_smoothers import effective_parameter_metrics
from dlr.run.train import train
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


def test_forest_effective_parameters_stay_within_the_memory_bound():
    """Dense per-tree weights here would take 100 trees x 6,000 x 2,000 x 8 bytes = 9.6 GB."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8000, 8)).astype(np.float32)
    y = x[:, 0] + np.sin(x[:, 1])
    forest = RandomForestRegressor(n_estimators=100, min_samples_leaf=5, random_state=0).fit(
        x[:2000], y[:2000]
    )
    tracemalloc.start()
    metrics = effective_parameter_metrics(forest, x[:2000], x[2000:])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # EVAL_BLOCK_ROWS x n_train weights (16 MB) plus the sparse factors; 300 MB leaves room for scipy's copies.
    assert peak < 300 * 2**20, f"{peak / 2**20:.0f} MiB"
    # Leaves of >= 5 rows cap a training row's own weight, so p_train is well below n = 2000, and above 0.
    assert 0 < metrics["effective/p_test"] < metrics["effective/p_train"] < 2000 / 5 * 2

"""k-fold cross-validation: one record per fold, the parent's mean and std, disjoint stratified folds."""

import json
import statistics
from collections import Counter
from pathlib import Path

import pytest
import torch

from dlr.experiments.kfold import fold_config, run_folds
from dlr.run.train import train
from dlr.tasks import from_config
from tests.conftest import FAST, run_cli

IRIS = ["data=iris", "cv.folds=3", "data.batches_per_step=1"]


def _fold_records(parent: dict) -> list[dict]:
    return [json.loads((Path(d) / "metrics.json").read_text()) for d in parent["fold_run_dirs"]]


def test_three_folds_are_recorded_and_summarized(make_cfg):
    cfg = make_cfg([*IRIS, *FAST, "trainer.max_epochs=20"])
    parent = train(cfg, run_folds)
    assert parent["status"] == "completed"
    on_disk = json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())
    assert on_disk["status"] == "completed" and on_disk["cv"] == {"folds": 3, "stratified": True}
    folds = _fold_records(parent)
    assert [Path(f["run_dir"]).name for f in folds] == ["fold_0", "fold_1", "fold_2"]
    assert all(f["status"] == "completed" and f["cv"]["folds"] == 3 for f in folds)
    for key in ("val/acc", "test/acc", "train/loss"):
        values = [f["metrics"][key] for f in folds]
        assert on_disk["metrics"][key] == pytest.approx(statistics.fmean(values), rel=1e-12)
        assert on_disk["metrics_std"][key] == pytest.approx(statistics.stdev(values), rel=1e-12)
    assert len({f["metrics"]["val/acc"] for f in folds}) > 1  # each fold validated on other rows
    assert on_disk["metrics"]["test/acc"] > 0.6  # chance is 1/3


def test_folds_are_disjoint_cover_the_training_rows_and_keep_class_shares(make_cfg):
    cfg = make_cfg(IRIS)
    vals = [from_config.build_datamodule(fold_config(cfg, fold)).val for fold in range(3)]
    whole = from_config.build_datamodule(make_cfg(["data=iris"]))  # the same training rows, without folds
    all_rows = torch.cat([whole.train.x, whole.val.x])
    # Iris repeats a few rows, so rows are compared as multisets: together the folds hold each row once.
    rows = [Counter(tuple(r.tolist()) for r in v.x) for v in vals]
    assert sum(rows, Counter()) == Counter(tuple(r.tolist()) for r in all_rows)
    share = torch.bincount(torch.cat([v.y for v in vals])) / len(all_rows)
    for v in vals:
        counts = torch.bincount(v.y, minlength=3)
        assert (counts - share * len(v.y)).abs().max() <= 1  # stratified: each class's share, to a row


def test_an_estimator_cross_validates_too(make_cfg):
    parent = train(make_cfg([*IRIS, "model=decision_tree", "width=8", "logger=none"]), run_folds)
    folds = _fold_records(parent)
    assert all(f["estimator"] == "DecisionTreeClassifier" for f in folds)
    assert parent["metrics"]["val/acc"] == pytest.approx(
        statistics.fmean(f["metrics"]["val/acc"] for f in folds)
    )


@pytest.mark.slow
def test_a_sweep_cross_validates_each_job(tmp_path):
    result = run_cli("-m", *IRIS, "model=decision_tree", "width=4,16", "logger=none", log_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    parents = sorted(tmp_path.glob("multiruns/train/*/[0-9]/metrics.json"))
    assert len(parents) == 2
    for path in parents:
        record = json.loads(path.read_text())
        assert record["status"] == "completed" and len(record["fold_run_dirs"]) == 3
        assert all(Path(d).parent == path.parent for d in record["fold_run_dirs"])


def test_one_fold_is_refused_in_one_line_before_any_training(make_cfg, capsys):
    cfg = make_cfg(["data=iris", "cv.folds=1"])
    with pytest.raises(SystemExit):
        train(cfg, run_folds)
    assert capsys.readouterr().err.strip() == "error: cv.folds: must be an integer >= 2 or null, got 1"
    assert json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())["status"] == "failed"
    assert not list(Path(cfg.paths.output_dir).glob("fold_*"))

"""k-fold cross-validation (``cv.folds=k``): one run per fold, then their mean and std in the parent record.

Each fold is a whole run of the single-run flow (:func:`dlr.run.train.train`) in ``<run dir>/fold_<i>``, with
``cv.fold=i`` telling its datamodule which fold of the training split validates; the test split is the
same for all folds. The parent's ``metrics.json`` holds the fold means under ``metrics`` (so sweeps,
summaries and hyperparameter searches read it as any run) and the sample standard deviations (ddof=1)
under ``metrics_std``. It completes only when every fold did.
"""

import copy
import statistics
from pathlib import Path

from omegaconf import DictConfig, open_dict

from dlr import console
from dlr.data.folds import check_fold
from dlr.errors import RunFailure
from dlr.records import read_record, write_record
from dlr.run.context import RunContext
from dlr.run.train import train


def fold_config(cfg: DictConfig, fold: int) -> DictConfig:
    """The parent's config as a run of one fold, writing into its own directory under the parent's."""
    fold_cfg = copy.deepcopy(cfg)
    with open_dict(fold_cfg):
        fold_cfg.cv.fold = fold
        fold_cfg.paths.output_dir = str(Path(cfg.paths.output_dir) / f"fold_{fold}")
    return fold_cfg


def mean_and_std(fold_metrics: list[dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Per metric present in every fold: the mean, and the sample standard deviation."""
    shared = [k for k in fold_metrics[0] if all(k in m for m in fold_metrics)]
    means = {k: statistics.fmean(m[k] for m in fold_metrics) for k in shared}
    stds = {k: statistics.stdev(m[k] for m in fold_metrics) for k in shared}
    return means, stds


def _run_fold(cfg: DictConfig, fold: int) -> dict:
    fold_cfg = fold_config(cfg, fold)
    train(fold_cfg)
    # The fold's own record says which fold it is, so a sweep's summary tells the folds apart.
    record = read_record(fold_cfg.paths.output_dir)
    record["overrides"] = [*record.get("overrides", []), f"cv.fold={fold}"]
    record["cv"] = {"folds": cfg.cv.folds, "fold": fold}
    write_record(fold_cfg.paths.output_dir, record)
    return record


def run_folds(cfg: DictConfig, context: RunContext, earlier: dict | None) -> dict:
    """The driver behind ``cv.folds=k``: every fold trained; the parent record (dlr.run.train's body)."""
    check_fold(cfg.cv.folds, None)  # before any fold starts
    records = [_run_fold(cfg, fold) for fold in range(cfg.cv.folds)]
    failed = [r["run_dir"] for r in records if r["status"] != "completed"]
    if failed:
        raise RunFailure(f"{len(failed)} of {cfg.cv.folds} folds failed: {failed}")
    means, stds = mean_and_std([r["metrics"] for r in records])
    record = context.finish(
        status="completed",
        metrics=means,
        metrics_std=stds,
        cv={
            "folds": cfg.cv.folds,
            "stratified": records[0].get("data", {}).get("task_type") == "classification",
        },
        fold_run_dirs=[r["run_dir"] for r in records],
    )
    console.print_metrics_table(means, context.run_dir, spread=stds)
    return record

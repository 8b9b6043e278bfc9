"""Drivers that run many runs, each through the single-run front door (dlr.run.train): k-fold, the tabular
benchmark, the transfer study, and the stacked launcher (dlr.experiments.stacked)."""

from omegaconf import DictConfig


def driver_for(cfg: DictConfig):
    """The body that runs ``cfg`` when it asks for many runs (dlr.run.train.Body), else None (one run)."""
    if cfg.get("tabular_benchmark"):  # experiment=tabular_benchmark: many trials, one table
        from dlr.experiments.tabular_benchmark import run_benchmark

        return run_benchmark
    if cfg.get("transfer_study"):  # experiment=transfer_study: pretrain, then fine-tune many ways
        from dlr.experiments.transfer_study import run_transfer_study

        return run_transfer_study
    if cfg.get("cv") and cfg.cv.folds and cfg.cv.fold is None:  # cv.folds=k: one run per fold
        from dlr.experiments.kfold import run_folds

        return run_folds
    return None

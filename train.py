"""Train (and test) one composed experiment: `python train.py model=cnn width=64`, or sweep with `-m`.

torch and Lightning are imported inside ``main``, after the config is valid: `--help`, `--cfg job`, tab
completion and a bad value answer in Hydra's time, not the run's.
"""

import hydra
from omegaconf import DictConfig

import dlr  # noqa: F401  (registers the config resolvers)
from dlr.config.preflight import config_is_valid
from dlr.config.resolvers import start_launch
from dlr.patches import install_entry_point_patches


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    if not config_is_valid(cfg):
        return None
    # A driver runs many single runs (dlr.experiments); anything else is one run of dlr.run.train.
    if cfg.get("tabular_benchmark"):  # experiment=tabular_benchmark: many trials, one table
        from dlr.experiments.tabular_benchmark import run_benchmark as run
    elif cfg.get("transfer_study"):  # experiment=transfer_study: pretrain, then fine-tune many ways
        from dlr.experiments.transfer_study import run_transfer_study as run
    elif cfg.cv.folds and cfg.cv.fold is None:  # cv.folds=k: one run per fold, their mean and std
        from dlr.experiments.kfold import run_folds as run
    else:
        from dlr.run.train import train as run
    record = run(cfg)
    if record is None:
        return None
    # The value a hyperparameter search (hparams_search=optuna) optimizes.
    metrics = record["metrics"]
    return metrics.get(cfg.get("optimized_metric") or "test/acc", metrics.get("test/loss"))


if __name__ == "__main__":
    start_launch()
    install_entry_point_patches()
    main()

"""The non-Lightning path: fit a scikit-learn-style estimator on the same datamodule, log and record as a run.

``dlr.run.lifecycle`` sends here every model config with an ``estimator`` block. The estimator fits once on the
training split; the validation and test splits are scored with the keys a Lightning run logs
(``train/acc``, ``val/acc``, ``test/acc``, or ``.../loss`` (MSE), ``.../mae``, ``.../r2``), the loggers get
them through ``log_metrics`` and the run's ``metrics.json`` has the same shape as any other.
"""

import time

from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from dlr.analysis.tree_smoothers import effective_parameter_metrics
from dlr.run import build
from dlr.tabular.estimator_file import save_estimator
from dlr.tabular.estimators import build_estimator, score
from dlr.tabular.flat_rows import estimator_rows
from dlr.tabular.leaves import leaf_count


def fit_estimator(cfg: DictConfig, datamodule, context) -> tuple[dict[str, float], object, dict]:
    """Fit on the training split, score every split: the metrics, the data and the record's other fields."""
    estimator = build_estimator(cfg.model.estimator, datamodule.task_type)
    loggers = build.build_loggers(cfg, context.run_dir, context.sweep_name)
    for logger in loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))

    splits = {"train": datamodule.train, "val": datamodule.val}
    if cfg.test:
        splits["test"] = datamodule.test
    # OpenMP pools sized to every core thrash on a busy machine; `threads` caps them (null: no cap).
    with threadpool_limits(limits=cfg.model.estimator.get("threads")):
        started = time.time()
        x_train, y_train = estimator_rows(datamodule.train)
        estimator.fit(x_train, y_train)
        metrics = {"time/fit_s": time.time() - started}
        for stage, split in splits.items():
            if len(split.x):
                metrics.update(score(estimator, split, stage, datamodule.task_type, datamodule.num_classes))
        # Trees, forests and boosting are linear smoothers: their effective parameters (Curth et al. 2023);
        # an ensemble that knows its own smoother (BoostedEnsemble) reports them itself.
        x_test = estimator_rows(datamodule.test)[0]
        own = getattr(estimator, "effective_parameter_metrics", None)
        metrics.update(
            own(x_train, x_test) if own else effective_parameter_metrics(estimator, x_train, x_test)
        )
        leaves = leaf_count(estimator)  # the raw parameter count of a tree model, as sweeps plot it
        if leaves is not None:
            metrics["params/total"] = float(leaves)
    metrics = dict(sorted(metrics.items()))
    save_estimator(context.run_dir, estimator, cfg)  # for predict.py, as a Lightning run's last.ckpt

    for logger in loggers:
        logger.log_metrics(metrics, step=0)
        logger.finalize("success")
    return metrics, datamodule, {"estimator": type(estimator).__name__}

"""The single train/eval flow behind ``train.py`` and ``eval.py``: validate, build, fit, test, record.

Every run ends with ``metrics.json`` in its directory. A bad input stops the run with one line naming
the key; in a sweep the failed job is recorded and the others go on.
"""

import json
import sys
import time
from pathlib import Path

import pytorch_lightning as pl
import torch
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from dlr import batch_groups, build, checkpoints, console
from dlr.errors import ConfigError, require
from dlr.quant.plan import QuantPlan
from dlr.records import scalar_metrics, write_record
from dlr.studies.resume import completed_before
from dlr.tabular.runner import fit_estimator
from dlr.transfer.apply import apply_transfer


def validate(cfg: DictConfig) -> None:
    """Top-level checks; each group's own options are checked by the object it builds, before any training."""
    for key in ("width", "depth"):
        if key in cfg:
            value = cfg[key]
            require(isinstance(value, int) and value >= 1, key, f"must be an integer >= 1, got {value!r}")


class RunContext:
    """Where the run writes, and how it reports an end: the record, the console, the exit code."""

    def __init__(self, cfg: DictConfig):
        hydra_cfg = HydraConfig.get()
        self.cfg = cfg
        self.run_dir = str(cfg.paths.output_dir)
        self.multirun = hydra_cfg.mode == RunMode.MULTIRUN
        self.sweep_name = Path(hydra_cfg.sweep.dir).name if self.multirun else None
        self.started = time.time()
        self.record = {
            "status": "running",
            "task_name": cfg.task_name,
            "seed": cfg.get("seed"),
            "overrides": list(hydra_cfg.overrides.task),
            "run_dir": self.run_dir,
        }
        write_record(self.run_dir, self.record)

    def finish(self, **fields) -> dict:
        self.record.update(fields, wall_time_s=round(time.time() - self.started, 3))
        write_record(self.run_dir, self.record)
        return self.record

    def fail(self, error: BaseException) -> None:
        error = _root_config_error(error)
        message = str(error) if isinstance(error, ConfigError) else f"{type(error).__name__}: {error}"
        self.finish(status="failed", error=message)
        console.print_error(message)
        if isinstance(error, ConfigError) and not self.multirun:
            sys.exit(1)
        if not self.multirun:
            raise error


def _root_config_error(error: BaseException) -> BaseException:
    """Hydra wraps errors raised while instantiating; a ConfigError inside is what the user needs to see."""
    cause = error
    while cause is not None:
        if isinstance(cause, ConfigError):
            return cause
        cause = cause.__cause__
    return error


def _close_experiment_trackers() -> None:
    if "wandb" in sys.modules:
        sys.modules["wandb"].finish()  # otherwise the next job of a sweep would write into this W&B run


def train(cfg: DictConfig) -> dict | None:
    earlier = completed_before(cfg)
    if earlier is not None:  # a resumed sweep: this job already completed
        console.console.print(f"already completed, skipped: {earlier['run_dir']}")
        return earlier
    context = RunContext(cfg)
    try:
        return _train(cfg, context)
    except (Exception, KeyboardInterrupt) as error:
        context.fail(error)
        return None
    finally:
        _close_experiment_trackers()


def _train(cfg: DictConfig, context: RunContext) -> dict:
    validate(cfg)
    console.print_config_tree(cfg)
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    if cfg.model.get("estimator"):  # tree ensembles, TabPFN: fitted outside Lightning, recorded alike
        return fit_estimator(cfg, context)
    if cfg.get("transfer_study"):  # experiment=transfer_study: pretrain, then fine-tune many ways
        from dlr.studies.transfer_study import run_transfer_study  # here: the study itself calls train()

        return run_transfer_study(cfg, context)
    datamodule = build.build_datamodule(cfg)
    task = build.build_task(cfg, datamodule)
    transfer_callbacks = apply_transfer(task, cfg.get("transfer"), context.run_dir)  # load, freeze, LoRA, ...
    quant_plan = QuantPlan(cfg, task, datamodule)  # precision, QAT/QLoRA, memory estimate
    task.run_config = OmegaConf.to_container(cfg, resolve=True)
    ckpt_path = checkpoints.resolve_checkpoint(
        cfg.get("ckpt_path"), cfg.paths.log_dir, cfg.task_name, context.run_dir
    )
    if ckpt_path is not None:
        checkpoints.check_fits(
            task, checkpoints.load_checkpoint(ckpt_path), ckpt_path, f"model={cfg.model.name}"
        )
    _save_label_noise(datamodule, context.run_dir)

    callbacks = build.build_callbacks(cfg) + transfer_callbacks + quant_plan.callbacks
    loggers = build.build_loggers(cfg, context.run_dir, context.sweep_name)
    trainer = build.build_trainer(cfg, callbacks, loggers, **quant_plan.trainer_kwargs)
    batch_groups.configure(trainer, task, datamodule)
    counts = task.parameter_counts()
    _announce(trainer, task, counts, task.run_config)
    quant_plan.log_estimate(trainer)
    timing = {"torch_threads": torch.get_num_threads()}
    if cfg.get("train", True):
        started = time.perf_counter()
        trainer.fit(task, datamodule=datamodule, ckpt_path=str(ckpt_path) if ckpt_path else None)
        timing["fit_s"] = round(time.perf_counter() - started, 3)
    metrics = scalar_metrics(trainer.callback_metrics)
    if cfg.get("test", True):
        started = time.perf_counter()
        metrics.update(scalar_metrics(trainer.test(task, datamodule=datamodule, verbose=False)[0]))
        timing["test_s"] = round(time.perf_counter() - started, 3)
    metrics.update(
        quant_plan.finish(trainer, task, datamodule, metrics, context.run_dir)
    )  # quantized, memory
    metrics.update({k: float(v) for k, v in counts.items()})
    best = next(
        (c.best_model_path for c in trainer.checkpoint_callbacks if getattr(c, "best_model_path", "")), None
    )
    record = context.finish(
        status="completed",
        metrics=metrics,
        data=datamodule.describe(),
        resumed_from=str(ckpt_path) if ckpt_path else None,
        best_checkpoint=best,
        timing=timing,
    )
    console.print_metrics_table(metrics, context.run_dir)
    return record


def _announce(trainer: pl.Trainer, task, counts: dict[str, int], config: dict) -> None:
    share = counts["params/trainable_pct"]
    console.console.print(
        f"parameters: {counts['params/trainable']:,} trainable of {counts['params/total']:,} ({share:.2f}%)"
    )
    for logger in trainer.loggers:
        logger.log_hyperparams(config)
        logger.log_metrics({k: float(v) for k, v in counts.items()}, step=0)


def _save_label_noise(datamodule, run_dir: str) -> None:
    if datamodule.noisy_indices:
        path = Path(run_dir) / "label_noise_indices.json"
        path.write_text(
            json.dumps({"label_noise": datamodule.label_noise, "indices": datamodule.noisy_indices})
        )

"""One run's lifecycle, in three phases read top to bottom: ``prepare -> fit_and_test -> record``.

:func:`dlr.run.train.train` opens the run and calls :func:`run_single` under ``run_recorded``. The path
is chosen before anything is built: an ``estimator`` model (trees, TabPFN) is fitted outside Lightning
(:mod:`dlr.run.estimator`), everything else is built in one direction (data, net, its transforms, trainer,
then the task, once), fitted, tested and recorded. Resume is resolved once, into one
:class:`~dlr.run.checkpoints.resume.Resume` that the trainer and the W&B logger both use; Lightning loads
the checkpoint once, and the task checks that it fits as it does (``Task.on_load_checkpoint``).
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
import torch
from hydra.utils import get_class, instantiate
from omegaconf import DictConfig

from dlr import console
from dlr.data.base import TensorDataModule
from dlr.device import announce as announce_device
from dlr.quant.plan import QuantPlan
from dlr.records import scalar_metrics
from dlr.run import batch_groups, build
from dlr.run.callbacks.finite_loss import FiniteLossGuard
from dlr.run.checkpoints.resume import Resume, resolve_resume
from dlr.run.context import RunContext
from dlr.run.signals import STOPS, RunInterrupted
from dlr.run.tune import tune_before_fit
from dlr.tasks import from_config
from dlr.tasks.base import Task


@dataclass
class Prepared:
    cfg: DictConfig
    context: RunContext
    datamodule: TensorDataModule
    trainer: pl.Trainer
    task: Task
    quant_plan: QuantPlan
    resume: Resume | None
    #: The device the trainer runs on (name, memory), as Lightning's own choice makes it.
    device: dict


@dataclass
class Fitted:
    metrics: dict[str, float]
    timing: dict[str, float]


def run_single(cfg: DictConfig, context: RunContext, earlier: dict | None) -> dict:
    console.print_config_tree(cfg)
    if cfg.model.get("estimator"):
        from dlr.run.estimator import fit_estimator  # scikit-learn: only for the runs that use it

        metrics, datamodule, fields = fit_estimator(cfg, build_data(cfg, context.run_dir), context)
        return record_completed(context, metrics, datamodule, **fields)
    resume = resolve_resume(cfg, context.run_dir, context.record["choices"], earlier)
    prepared = prepare(cfg, context, resume)
    return record(prepared, fit_and_test(prepared))


def build_data(cfg: DictConfig, run_dir: str) -> TensorDataModule:
    """The run's data, after seeding (the data's draws and the net's init follow the seed), and the
    training labels that label noise replaced, saved beside the record."""
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = from_config.build_datamodule(cfg)
    if datamodule.noisy_indices:
        path = Path(run_dir) / "label_noise_indices.json"
        path.write_text(
            json.dumps({"label_noise": datamodule.label_noise, "indices": datamodule.noisy_indices})
        )
    return datamodule


def prepare(cfg: DictConfig, context: RunContext, resume: Resume | None) -> Prepared:
    device = announce_device(cfg.trainer)  # in the first lines, and in the record
    datamodule = build_data(cfg, context.run_dir)
    quant_plan = QuantPlan(cfg, instantiate(cfg.quantization, _convert_="all"))
    transformed = build.transform_net(cfg, datamodule, quant_plan, context.run_dir)
    tune_before_fit(cfg, datamodule, transformed, context.record, resume.checkpoint if resume else None)
    # val_fraction=0 means no validation at all: never the test split, and no checkpoint chosen on it.
    validation = getattr(datamodule, "has_validation", True)
    callbacks = [*build.build_callbacks(cfg, validation), FiniteLossGuard(), *transformed.callbacks]
    wandb_id = resume.wandb_id if resume else None
    loggers = build.build_loggers(cfg, context.run_dir, context.sweep_name, wandb_id)
    trainer_kwargs = {**({} if validation else {"limit_val_batches": 0}), **transformed.trainer_kwargs}
    trainer = build.build_trainer(cfg, callbacks, loggers, **trainer_kwargs)
    group_steps = batch_groups.configure(trainer, get_class(cfg.model.task._target_), datamodule)
    task = from_config.build_task(cfg, datamodule, transformed, group_steps)
    quant_plan.announce_estimate(task)
    _announce(trainer, task)
    quant_plan.log_estimate(trainer)
    return Prepared(cfg, context, datamodule, trainer, task, quant_plan, resume, device)


def fit_and_test(prepared: Prepared) -> Fitted:
    cfg, trainer, task, datamodule = prepared.cfg, prepared.trainer, prepared.task, prepared.datamodule
    timing = {"torch_threads": torch.get_num_threads()}
    if cfg.train:
        started = time.perf_counter()
        # weights_only: resuming must never unpickle code.
        checkpoint = str(prepared.resume.checkpoint) if prepared.resume else None
        trainer.fit(task, datamodule=datamodule, ckpt_path=checkpoint, weights_only=True)
        timing["fit_s"] = round(time.perf_counter() - started, 3)
        if STOPS.requested is not None:  # the fit stopped early at an epoch end, with last.ckpt written
            raise RunInterrupted(STOPS.requested)
    metrics = scalar_metrics(trainer.callback_metrics)
    if cfg.test:
        started = time.perf_counter()
        metrics.update(scalar_metrics(trainer.test(task, datamodule=datamodule, verbose=False)[0]))
        timing["test_s"] = round(time.perf_counter() - started, 3)
    run_dir = prepared.context.run_dir
    metrics.update(
        prepared.quant_plan.finish(trainer, task, datamodule, metrics, run_dir)
    )  # quantized, memory
    metrics.update({k: float(v) for k, v in task.parameter_counts().items()})
    return Fitted(metrics, timing)


def record(prepared: Prepared, fitted: Fitted) -> dict:
    cfg, trainer = prepared.cfg, prepared.trainer
    build.log_final_metrics(
        trainer.loggers, prepared.task.run_config, fitted.metrics, cfg.get("optimized_metric")
    )
    best = next(
        (c.best_model_path for c in trainer.checkpoint_callbacks if getattr(c, "best_model_path", "")), None
    )
    return record_completed(
        prepared.context,
        fitted.metrics,
        prepared.datamodule,
        resumed_from=str(prepared.resume.checkpoint) if prepared.resume else None,
        best_checkpoint=best,
        timing=fitted.timing,
        device=prepared.device,
        # what ran: Lightning substitutes some requests (16-mixed on CPU runs bf16-mixed)
        precision={"requested": str(cfg.trainer.precision), "ran": str(trainer.precision)},
    )


def record_completed(context: RunContext, metrics: dict[str, float], datamodule, **fields) -> dict:
    """The completed record, as every kind of run writes it, and the metrics table on the console."""
    completed = context.finish(status="completed", metrics=metrics, data=datamodule.describe(), **fields)
    console.print_metrics_table(metrics, context.run_dir)
    return completed


def _announce(trainer: pl.Trainer, task: Task) -> None:
    counts = task.parameter_counts()
    share = counts["params/trainable_pct"]
    console.console.print(
        f"parameters: {counts['params/trainable']:,} trainable of {counts['params/total']:,} ({share:.2f}%)"
    )
    for logger in trainer.loggers:
        logger.log_hyperparams(task.run_config)
        logger.log_metrics({k: float(v) for k, v in counts.items()}, step=0)

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
from hydra.utils import get_class, instantiate
from omegaconf import DictConfig

from dlr import console
from dlr.config.validation import validate_config
from dlr.device import announce as announce_device
from dlr.errors import ConfigError
from dlr.quant.plan import QuantPlan
from dlr.records import scalar_metrics
from dlr.run import batch_groups, build
from dlr.run.callbacks.finite_loss import FiniteLossGuard
from dlr.run.checkpoints import find as checkpoints
from dlr.run.checkpoints.resume import completed_before, interrupted_checkpoint
from dlr.run.context import RunContext, run_recorded
from dlr.run.signals import STOPS, RunInterrupted
from dlr.transfer.checkpoint_file import check_fits, load_checkpoint


def validate(cfg: DictConfig) -> None:
    """Every key, in every group, against dlr.config.validation's rules, before anything is built."""
    hydra_cfg = HydraConfig.get()
    validate_config(cfg, hydra_cfg.overrides.task, hydra_cfg.get("launcher"))


def train(cfg: DictConfig) -> dict | None:
    earlier = completed_before(cfg)
    if earlier is not None:  # a resumed sweep: this job already completed
        console.console.print(f"already completed, skipped: {earlier['run_dir']}")
        return earlier
    resume_from = interrupted_checkpoint(cfg)  # read before this run's own record replaces the earlier one
    try:
        context = RunContext(cfg)
    except ConfigError as error:  # the run directory cannot be used: there is nowhere to record the failure
        console.print_error(str(error))
        sys.exit(1)
    return run_recorded(context, lambda: _train(cfg, context, resume_from))


def _train(cfg: DictConfig, context: RunContext, resume_from: Path | None = None) -> dict:
    validate(cfg)
    console.print_config_tree(cfg)
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    if cfg.model.get("estimator"):  # tree ensembles, TabPFN: fitted outside Lightning, recorded alike
        from dlr.run.estimator import fit_estimator  # scikit-learn: only for the runs that use it

        return fit_estimator(cfg, context)
    device = announce_device(cfg.trainer)  # the Trainer's own choice, in the first lines and the record
    # One direction: data, net, its transforms (transfer, then quantization), trainer, then the task, once.
    datamodule = build.build_datamodule(cfg)
    quant_plan = QuantPlan(cfg, instantiate(cfg.quantization, _convert_="all"))
    transformed = build.transform_net(cfg, datamodule, quant_plan, context.run_dir)
    # A resumed sweep's interrupted job continues from its own checkpoint.
    ckpt_path = resume_from or checkpoints.resolve_checkpoint(
        cfg.ckpt_path, cfg.paths.log_dir, cfg.task_name, context.run_dir, context.record["choices"]
    )
    _save_label_noise(datamodule, context.run_dir)

    # val_fraction=0 means no validation at all: never the test split, and no checkpoint chosen on it.
    validation = getattr(datamodule, "has_validation", True)
    callbacks = [*build.build_callbacks(cfg, validation), FiniteLossGuard(), *transformed.callbacks]
    loggers = build.build_loggers(cfg, context.run_dir, context.sweep_name)
    trainer_kwargs = {**({} if validation else {"limit_val_batches": 0}), **transformed.trainer_kwargs}
    trainer = build.build_trainer(cfg, callbacks, loggers, **trainer_kwargs)
    group_steps = batch_groups.configure(trainer, get_class(cfg.model.task._target_), datamodule)
    task = build.build_task(cfg, datamodule, transformed, group_steps)
    if ckpt_path is not None:
        checkpoint = load_checkpoint(ckpt_path)
        check_fits(task.state_dict(), checkpoint, ckpt_path, f"model={cfg.model.name}")
        checkpoints.check_epochs_left(checkpoint, cfg.trainer.max_epochs)
    quant_plan.announce_estimate(task)
    counts = task.parameter_counts()
    _announce(trainer, task, counts, task.run_config)
    quant_plan.log_estimate(trainer)
    timing = {"torch_threads": torch.get_num_threads()}
    if cfg.train:
        started = time.perf_counter()
        # weights_only: resuming must never unpickle code (load_checkpoint read it so already).
        resume = str(ckpt_path) if ckpt_path else None
        trainer.fit(task, datamodule=datamodule, ckpt_path=resume, weights_only=True)
        timing["fit_s"] = round(time.perf_counter() - started, 3)
        if STOPS.requested is not None:  # the fit stopped early at an epoch end, with last.ckpt written
            raise RunInterrupted(STOPS.requested)
    metrics = scalar_metrics(trainer.callback_metrics)
    if cfg.test:
        started = time.perf_counter()
        metrics.update(scalar_metrics(trainer.test(task, datamodule=datamodule, verbose=False)[0]))
        timing["test_s"] = round(time.perf_counter() - started, 3)
    metrics.update(
        quant_plan.finish(trainer, task, datamodule, metrics, context.run_dir)
    )  # quantized, memory
    metrics.update({k: float(v) for k, v in counts.items()})
    build.log_final_metrics(trainer.loggers, task.run_config, metrics)
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
        device=device,
        # what ran: Lightning substitutes some requests (16-mixed on CPU runs bf16-mixed)
        precision={"requested": str(cfg.trainer.precision), "ran": str(trainer.precision)},
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

"""Each stacked member is an ordinary run: its own directory, record, label-noise file, loggers and checkpoint.

:func:`prepare_member` is what a sweep job runs under ``launcher=stacked``: the run's front door
(:func:`dlr.run.train.open_run`: skip if it completed before, validate, take the run directory) and the
lifecycle's data and task, built with the member's own config and seed. The member's run stays open while
its bucket trains; :func:`finish_member` records it as the lifecycle's last phase does, and closes it.
"""

from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
import torch
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.data.base import TensorDataModule
from dlr.errors import require
from dlr.records import last_checkpoint_path
from dlr.run import build
from dlr.run.context import RunContext
from dlr.run.lifecycle import build_data, record_completed
from dlr.run.train import OpenRun, job_value, open_run
from dlr.tasks import from_config
from dlr.tasks.supervised import SupervisedTask


@dataclass
class Member:
    cfg: DictConfig
    context: RunContext
    datamodule: TensorDataModule
    task: SupervisedTask


def prepare_member(prepared: list[Member], cfg: DictConfig) -> float | None:
    """Build one member with its own seed and config (appended to ``prepared``); skip it if it completed."""
    opened = open_run(cfg)
    if not isinstance(opened, OpenRun):  # completed before (its value), or an invalid config (None)
        return job_value(cfg, opened)
    context = opened.context
    try:
        datamodule = build_data(cfg, context.run_dir)  # the solo run's seed, data and label noise
        task = from_config.build_task(cfg, datamodule)
        require(
            isinstance(datamodule, TensorDataModule) and task.loss_name == "cross_entropy",
            "launcher",
            f"stacked training needs classification with cross-entropy; use launcher=basic for {cfg.data.get('_target_')}",
        )
    except Exception as error:  # the run stays open past this job, so run_recorded cannot wrap it
        context.fail(error)
        context.close()
        return None
    # Resolved here, inside the Hydra job: the workers that train and record the member run outside one.
    prepared.append(Member(OmegaConf.create(task.run_config), context, datamodule, task))
    return None


def finish_member(
    member: Member, metrics: dict[str, float], error: str | None, optimizer_state: dict, details: dict
) -> dict:
    """Write the member's record (and, if it completed, its loggers and last.ckpt); returns the record.

    ``details`` describes the member's bucket (widths, padding share, steps, fit_s) for the record.
    """
    context = member.context
    try:
        if error is not None:
            console.print_error(f"{context.run_dir}: {error}")
            return context.finish(status="failed", error=error)
        return _record(member, metrics, optimizer_state, details)
    finally:
        context.close()


def _record(member: Member, metrics: dict[str, float], optimizer_state: dict, details: dict) -> dict:
    task = member.task
    metrics = {**metrics, **{k: float(v) for k, v in task.parameter_counts().items()}}
    checkpoint = _write_checkpoint(member, optimizer_state, details["steps"])
    _log_final(member, metrics, details["steps"])
    return record_completed(
        member.context,
        metrics,
        member.datamodule,
        resumed_from=None,
        best_checkpoint=None,
        checkpoint=str(checkpoint),
        timing={"torch_threads": torch.get_num_threads(), "fit_s": details["fit_s"]},
        stacked=details,
    )


def _write_checkpoint(member: Member, optimizer_state: dict, steps: int) -> Path:
    """A Lightning-format checkpoint of the member alone, as eval.py and transfer= read one."""
    checkpoint = {
        "epoch": member.cfg.trainer.max_epochs - 1,
        "global_step": steps,
        "pytorch-lightning_version": pl.__version__,
        "state_dict": member.task.state_dict(),
        "optimizer_states": [optimizer_state],
        "lr_schedulers": [],
    }
    member.task.on_save_checkpoint(checkpoint)  # dlr_config (and the RNG streams, as every dlr checkpoint)
    path = last_checkpoint_path(member.context.run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    torch.save(checkpoint, partial)
    partial.replace(path)
    return path


def _log_final(member: Member, metrics: dict[str, float], steps: int) -> None:
    """The member's loggers (csv, tensorboard, ...) get its config and final metrics, once."""
    for logger in build.build_loggers(member.cfg, member.context.run_dir, member.context.sweep_name):
        logger.log_hyperparams(member.task.run_config)
        logger.log_metrics(metrics, step=steps)
        logger.finalize("success")

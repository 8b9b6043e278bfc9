"""Each stacked member is an ordinary run: its own directory, record, label-noise file, loggers and checkpoint.

:func:`prepare_member` is what a sweep job runs under ``launcher=stacked``: the first half of
``dlr.run.train.train`` (skip if it completed before, validate, seed, build data and task with the member's own
config) without the training. :func:`finish_member` writes what the second half would have written.
"""

from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
import torch
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.data.base import TensorDataModule
from dlr.errors import require
from dlr.run import build
from dlr.run.checkpoints.resume import completed_before
from dlr.run.train import RunContext, _save_label_noise, validate
from dlr.tasks.supervised import SupervisedTask

CHECKPOINT = "checkpoints/last.ckpt"


@dataclass
class Member:
    cfg: DictConfig
    context: RunContext
    datamodule: TensorDataModule
    task: SupervisedTask


def optimized_value(cfg: DictConfig, record: dict | None) -> float | None:
    """What ``train.py`` returns for a job: the value a hyperparameter search optimizes."""
    if record is None or record.get("status") != "completed":
        return None
    metrics = record["metrics"]
    return metrics.get(cfg.get("optimized_metric") or "test/acc", metrics.get("test/loss"))


def prepare_member(prepared: list[Member], cfg: DictConfig) -> float | None:
    """Build one member with its own seed and config (appended to ``prepared``); skip it if it completed."""
    earlier = completed_before(cfg)
    if earlier is not None:
        console.console.print(f"already completed, skipped: {earlier['run_dir']}")
        return optimized_value(cfg, earlier)
    context = RunContext(cfg)
    try:
        validate(cfg)
        pl.seed_everything(cfg.seed, workers=True, verbose=False)  # the solo run's init and data
        datamodule = build.build_datamodule(cfg)
        task = build.build_task(cfg, datamodule)
        require(
            isinstance(datamodule, TensorDataModule) and task.loss_name == "cross_entropy",
            "launcher",
            f"stacked training needs classification with cross-entropy; use launcher=basic for {cfg.data.get('_target_')}",
        )
        _save_label_noise(datamodule, context.run_dir)
    except Exception as error:
        context.fail(error)
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
    context, task = member.context, member.task
    if error is not None:
        console.print_error(f"{context.run_dir}: {error}")
        return context.finish(status="failed", error=error)
    metrics = {**metrics, **{k: float(v) for k, v in task.parameter_counts().items()}}
    checkpoint = _write_checkpoint(member, optimizer_state, details["steps"])
    _log_final(member, metrics, details["steps"])
    return context.finish(
        status="completed",
        metrics=metrics,
        data=member.datamodule.describe(),
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
    path = Path(member.context.run_dir) / CHECKPOINT
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

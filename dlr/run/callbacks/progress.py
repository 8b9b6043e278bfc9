"""The training progress bar: one bar for the whole fit, counted in optimizer steps.

Lightning's bars count Lightning steps per epoch, which with batch groups (``dlr.run.batch_groups``) shows
``1/1`` an epoch. This one shows the epoch, optimizer steps done and total, the training loss, the newest
validation metric, and the time left for the whole fit. It is used only when stdout is a terminal.
"""

import math

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ProgressBar
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dlr import console

#: The validation metric shown: the first of these that the task logs.
VAL_METRICS = ("val/acc", "val/loss")


def optimizer_steps_per_epoch(trainer: pl.Trainer) -> int | None:
    """Optimizer steps in one epoch: Lightning steps, or the batches of all groups when steps take groups."""
    loader = trainer.train_dataloader
    if getattr(loader, "batches_per_step", 1) > 1:
        return math.ceil(loader.samples_per_rank / loader.batch_size)
    batches = trainer.num_training_batches
    return int(batches) if math.isfinite(batches) else None


def total_optimizer_steps(trainer: pl.Trainer) -> int | None:
    per_epoch = optimizer_steps_per_epoch(trainer)
    by_epochs = per_epoch * trainer.max_epochs if per_epoch and (trainer.max_epochs or -1) > 0 else None
    by_steps = trainer.max_steps if trainer.max_steps > 0 else None
    limits = [n for n in (by_epochs, by_steps) if n is not None]
    return min(limits) if limits else None


def metrics_line(metrics: dict) -> str:
    shown = {"loss": metrics.get("train/loss")}
    val_key = next((k for k in VAL_METRICS if k in metrics), None)
    if val_key is not None:
        shown[val_key] = metrics[val_key]
    return "  ".join(f"{name} {float(value):.4g}" for name, value in shown.items() if value is not None)


class StepProgressBar(ProgressBar):
    def __init__(self, leave: bool = False):
        super().__init__()
        self.leave = leave
        self.enabled = True
        self.progress: Progress | None = None

    def disable(self) -> None:
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self.enabled:
            return
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("steps"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[metrics]}"),
            console=console.console,
            transient=not self.leave,
        )
        self.progress.start()
        self.progress.add_task("", total=total_optimizer_steps(trainer), metrics="")
        self._refresh(trainer)

    def _refresh(self, trainer: pl.Trainer) -> None:
        if self.progress is None:
            return
        epoch = trainer.current_epoch + 1
        if (trainer.max_epochs or -1) > 0:  # when the fit ends, current_epoch has moved past the last one
            epoch = f"{min(epoch, trainer.max_epochs)}/{trainer.max_epochs}"
        self.progress.update(
            self.progress.task_ids[0],
            completed=trainer.global_step,
            description=f"epoch {epoch}",
            metrics=metrics_line(trainer.callback_metrics),
        )

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._refresh(trainer)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._refresh(trainer)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._refresh(trainer)  # the epoch before has logged its training loss by now

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._refresh(trainer)
        self._stop()

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.progress is not None:  # kept, stopped: its task holds the final counts
            self.progress.stop()

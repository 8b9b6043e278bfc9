"""Several optimizer steps per Lightning step: ``data.batches_per_step``.

Lightning's per-step machinery (loops, hooks, progress and logging bookkeeping) costs about a millisecond
here, as much as a small model's whole step. So the train loader can hand a Lightning step a *group* of
batches, and the task takes one optimizer step per batch of it: the same training (tested equal to one
batch per step), a fraction of the framework time.

- ``auto`` (the default) groups :data:`AUTO_BATCHES_PER_STEP` batches when the task can take groups, no
  trainer setting counts Lightning steps (:func:`conflicts`), and every callback, logger and plugin of
  the trainer is one dlr knows to be unaffected (:func:`unknown_parts`: an allow-list, so a per-step
  callback nobody listed, such as a user's, never silently sees one step where 32 happened); otherwise one
  batch per step, and the run says why in one line.
- An integer k is used as given (a callback dlr does not know sees groups: the user asked for them), and
  refused in one line where a trainer setting would change the training.

Inside a group, each batch steps with plain ``loss.backward()`` and ``optimizer.step()`` when every hook
Lightning would run around them is a no-op (:func:`plain_steps_allowed`); otherwise through Lightning's
``manual_backward`` and optimizer wrapper, so gradient scaling and callbacks still see every batch.
Either way ``global_step`` counts optimizer steps, so checkpoints and resume are unchanged. What does change
is what counts Lightning steps: ``on_train_batch_end`` callbacks see groups. The logged step axis
(:class:`OptimizerStepAxis`) and dlr's progress bar (``dlr.run.callbacks.progress``) count optimizer steps.
"""

import warnings

import pytorch_lightning as pl
from lightning_fabric.plugins import TorchCheckpointIO
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger, WandbLogger
from pytorch_lightning.plugins.precision import DoublePrecision, HalfPrecision, MixedPrecision, Precision
from pytorch_lightning.strategies import SingleDeviceStrategy

from dlr import console
from dlr.errors import require
from dlr.patches.lightning_internals import checkpoints_by_train_steps, set_logged_step
from dlr.tasks.base import Task

# Lightning warns when an epoch has fewer steps than `log_every_n_steps`, which groups make common; dlr's
# tasks log once per epoch, so the warning never applies.
warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")

AUTO = "auto"
#: One Lightning step per 32 batches: the framework's share is then a few percent of a small model's step.
AUTO_BATCHES_PER_STEP = 32
_STEP_HOOKS = ("on_before_backward", "on_after_backward", "on_before_optimizer_step", "on_before_zero_grad")

#: Callbacks that act at epoch, fit or test boundaries only, or count optimizer steps themselves (dlr's
#: progress bar, the loss guard), so a group of batches changes nothing they do. Anything else (Lightning's
#: own progress bars, a learning-rate monitor, a user's callback) may act per Lightning step.
GROUP_SAFE_CALLBACKS = frozenset(
    {
        "pytorch_lightning.callbacks.early_stopping.EarlyStopping",
        "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",  # unless by steps: see unknown_parts
        "pytorch_lightning.callbacks.model_summary.ModelSummary",
        "dlr.run.callbacks.model_summary.NetSummary",
        "dlr.run.checkpoints.last.LastCheckpoint",
        "dlr.run.callbacks.progress.StepProgressBar",
        "dlr.run.callbacks.finite_loss.FiniteLossGuard",
        "dlr.run.callbacks.ema.ExponentialMovingAverage",  # updates on every optimizer step (a step hook)
        "dlr.run.callbacks.pictures.PicturesToLoggers",
        "dlr.run.batch_groups.OptimizerStepAxis",
        "dlr.quant.memory.MemoryMonitor",  # measures after the first optimizer step, and the peak at fit's end
        "dlr.quant.qat.QuantizationAwareTraining",
        "dlr.quant.qlora.MergeQLoRA",
        "dlr.transfer.gradual.GradualUnfreeze",
        "dlr.transfer.lora.SaveLora",
    }
)
#: Loggers get only what tasks log once per epoch, on the optimizer-step axis (OptimizerStepAxis).
GROUP_SAFE_LOGGERS = (CSVLogger, TensorBoardLogger, WandbLogger)
GROUP_SAFE_PRECISIONS = (Precision, MixedPrecision, DoublePrecision, HalfPrecision)
#: Callbacks whose per-step hooks plain torch steps skip, but which check a group's losses at its end.
CHECK_PLAIN_GROUPS = frozenset({"dlr.run.callbacks.finite_loss.FiniteLossGuard"})


def _name(thing: object) -> str:
    """By name, not class: the list must not import the transforms' modules (peft, torchao) into every run,
    and a subclass of a known callback may act per step."""
    return f"{type(thing).__module__}.{type(thing).__qualname__}"


def conflicts(trainer: pl.Trainer) -> list[str]:
    """Trainer settings that Lightning applies per Lightning step, so a group of batches would change them."""
    found = []
    if trainer.world_size > 1:
        found.append("several processes (DDP syncs gradients once per Lightning step)")
    if trainer.gradient_clip_val:
        found.append("trainer.gradient_clip_val")
    if trainer.accumulate_grad_batches != 1:
        found.append("trainer.accumulate_grad_batches")
    if trainer.max_steps != -1:
        found.append("trainer.max_steps")
    if trainer.fast_dev_run:
        found.append("trainer.fast_dev_run")
    if trainer.overfit_batches:
        found.append("trainer.overfit_batches")
    for key in ("limit_train_batches", "val_check_interval"):
        if not _whole_epoch(getattr(trainer, key)):
            found.append(f"trainer.{key}")
    return found


def unknown_parts(trainer: pl.Trainer) -> list[str]:
    """The trainer's callbacks, loggers and plugins that dlr does not know to be unaffected by groups."""
    unknown = [
        type(c).__name__
        for c in trainer.callbacks
        if _name(c) not in GROUP_SAFE_CALLBACKS or checkpoints_by_train_steps(c)
    ]
    unknown += [
        type(logger).__name__ for logger in trainer.loggers if not isinstance(logger, GROUP_SAFE_LOGGERS)
    ]
    plugins = (trainer.precision_plugin, trainer.strategy.checkpoint_io)
    unknown += [
        type(p).__name__
        for p in plugins
        if type(p) not in GROUP_SAFE_PRECISIONS and not isinstance(p, TorchCheckpointIO)
    ]
    return unknown


def _whole_epoch(value) -> bool:
    return isinstance(value, float) and value == 1.0  # an int counts batches, even 1


def plain_steps_allowed(trainer: pl.Trainer, task_class: type[pl.LightningModule]) -> bool:
    """Whether ``manual_backward`` and Lightning's optimizer wrapper would add nothing but hook calls."""
    plugin = trainer.precision_plugin
    plain_precision = all(
        getattr(type(plugin), method) is getattr(Precision, method)
        for method in ("pre_backward", "backward", "post_backward", "optimizer_step")
    )
    unscaled = plain_precision or (isinstance(plugin, MixedPrecision) and plugin.scaler is None)
    quiet_callbacks = all(
        getattr(type(callback), hook) is getattr(pl.Callback, hook)
        for callback in trainer.callbacks
        if _name(callback) not in CHECK_PLAIN_GROUPS
        for hook in _STEP_HOOKS
    )
    quiet_module = all(
        getattr(task_class, hook) is getattr(pl.LightningModule, hook) for hook in (*_STEP_HOOKS, "backward")
    )
    return (
        unscaled and quiet_callbacks and quiet_module and isinstance(trainer.strategy, SingleDeviceStrategy)
    )


class OptimizerStepAxis(pl.Callback):
    """Logged metrics' step axis in optimizer steps, as ``global_step`` counts them, not in groups.

    Loggers take their step from a counter Lightning increments once per Lightning step, right after
    ``on_train_batch_end``; setting it here to one less than the optimizer steps so far keeps every logged
    step where an ungrouped run puts it.
    """

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx) -> None:
        set_logged_step(trainer, trainer.global_step - 1)


def configure(trainer: pl.Trainer, task_class: type[Task], datamodule) -> str:
    """Resolve ``data.batches_per_step`` for this run, before its task is built, and set up the loader and
    the trainer; returns how the task steps inside a group (``dlr.tasks.base.GROUP_STEPS``)."""
    requested = datamodule.batches_per_step
    found = conflicts(trainer)
    if requested == AUTO:
        size = AUTO_BATCHES_PER_STEP if task_class.takes_batch_groups() and not found else 1
        unknown = unknown_parts(trainer) if size > 1 else []
        if unknown:
            size = 1
            console.console.print(
                f"data.batches_per_step=auto: one batch per step, since {', '.join(unknown)} may act per "
                "step and dlr does not know it sees every step of a batch group",
                soft_wrap=True,
            )
    else:
        size = requested
        if size > 1:
            require(
                task_class.takes_batch_groups(),
                "data.batches_per_step",
                f"{task_class.__name__} takes one batch per step; use 1 or auto",
            )
            clash = ", ".join(found)
            require(not found, "data.batches_per_step", f"{size} cannot be used with {clash}; use 1 or auto")
    if size == 1:
        return "off"
    datamodule.train_group_size = size
    trainer.callbacks.append(OptimizerStepAxis())
    return "plain" if plain_steps_allowed(trainer, task_class) else "lightning"

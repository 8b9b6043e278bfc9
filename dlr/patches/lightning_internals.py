"""Every use of Lightning's private state, in one place, each with why dlr needs it.

Lightning may rename any of these in a release without notice; ``tests/test_lightning_internals.py`` runs
each against the installed Lightning and fails naming the attribute that moved.
"""

import os

import pytorch_lightning as pl

#: The attribute Lightning renames about 45 times an optimizer step to say which hook runs. Setting it
#: through ``nn.Module.__setattr__`` (which scans parameters, buffers and submodules) costs more than a
#: small model's step, so ``Task.__setattr__`` sets it as a plain attribute.
RUNNING_HOOK_ATTRIBUTE = "_current_fx_name"

#: Set by ``lightning_fabric`` on import, to keep CUDA uninitialised before a fork.
NVML_CUDA_CHECK_VARIABLE = "PYTORCH_NVML_BASED_CUDA_CHECK"


def count_optimizer_steps(trainer: pl.Trainer, steps: int) -> None:
    """Add ``steps`` to ``global_step``: the count Lightning keeps in the optimizer wrapper that plain
    torch steps inside a batch group (``dlr.run.batch_groups``) go around."""
    trainer.fit_loop.epoch_loop.manual_optimization.optim_step_progress.increment_by(steps)


def set_logged_step(trainer: pl.Trainer, step: int) -> None:
    """The step loggers stamp on metrics, counted by Lightning once per Lightning step (a batch group)."""
    trainer.fit_loop.epoch_loop._batches_that_stepped = step


def skip_nvml_cuda_check() -> None:
    """Without a GPU, the NVML-based check makes every ``torch.cuda.is_available()`` (called by each optimizer
    step) dlopen NVML again and fail, which costs more than a small model's step. dlr never forks (DDP and
    sweeps spawn), so the check protects nothing."""
    os.environ.pop(NVML_CUDA_CHECK_VARIABLE, None)


def completed_epochs(checkpoint: dict) -> int:
    """The epochs a Lightning checkpoint completed, read from its fit loop's state (``epoch`` as a fallback,
    for checkpoints written without loops)."""
    progress = checkpoint.get("loops", {}).get("fit_loop", {}).get("epoch_progress", {})
    return progress.get("current", {}).get("completed", checkpoint.get("epoch", 0))


def checkpoints_by_train_steps(callback: pl.Callback) -> bool:
    """Whether a ``ModelCheckpoint`` saves every n training steps or every interval of time: counts that
    batch groups (dlr.run.batch_groups) would change. Its constructor keeps them only as private state."""
    if not isinstance(callback, pl.callbacks.ModelCheckpoint):
        return False
    return bool(callback._every_n_train_steps) or callback._train_time_interval is not None

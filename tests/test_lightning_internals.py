"""Canary: every private piece of Lightning that dlr.patches.lightning_internals uses still exists and means what it did.

A Lightning release that renames one fails here, naming it, instead of slowing or miscounting runs silently.
"""

import functools
import inspect

import lightning_fabric
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from dlr.patches import lightning_internals
from dlr.tasks.supervised import SupervisedTask

BATCHES = 4


def _reach(root, dotted: str):
    """``root.<dotted>``, failing with the first attribute Lightning no longer has."""
    found = root
    for name in dotted.split("."):
        assert hasattr(found, name), f"Lightning {pl.__version__} renamed or removed {dotted} (at {name!r})"
        found = getattr(found, name)
    return found


class _RunningHook(pl.Callback):
    def __init__(self):
        self.seen = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.seen.append(pl_module.__dict__.get(lightning_internals.RUNNING_HOOK_ATTRIBUTE))


def _fitted(tmp_path) -> tuple[pl.Trainer, _RunningHook]:
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(8 * BATCHES, 4), torch.randint(0, 2, (8 * BATCHES,)))
    task = SupervisedTask(
        torch.nn.Linear(4, 2),
        optimizer=functools.partial(torch.optim.SGD, lr=0.1),
        data_info={"task_type": "classification", "output_size": 2},
    )
    hook = _RunningHook()
    trainer = pl.Trainer(
        max_epochs=1,
        accelerator="cpu",
        logger=False,
        callbacks=[hook],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(task, train_dataloaders=DataLoader(data, batch_size=8))
    return trainer, hook


def test_every_private_attribute_dlr_uses_still_exists_and_counts_as_before(tmp_path):
    trainer, hook = _fitted(tmp_path)
    # Task.__setattr__ sets the running hook's name as a plain attribute: Lightning must still name it so.
    assert hook.seen == ["on_train_batch_start"] * BATCHES, (
        f"Lightning {pl.__version__} no longer names the running hook in "
        f"{lightning_internals.RUNNING_HOOK_ATTRIBUTE}: {hook.seen}"
    )
    epoch_loop = _reach(trainer, "fit_loop.epoch_loop")
    assert _reach(epoch_loop, "_batches_that_stepped") == BATCHES
    lightning_internals.set_logged_step(trainer, 41)
    assert epoch_loop._batches_that_stepped == 41

    steps = _reach(epoch_loop, "manual_optimization.optim_step_progress.total.completed")
    lightning_internals.count_optimizer_steps(trainer, 3)
    assert epoch_loop.manual_optimization.optim_step_progress.total.completed == steps + 3

    trainer.save_checkpoint(tmp_path / "one_epoch.ckpt")
    checkpoint = torch.load(tmp_path / "one_epoch.ckpt", weights_only=True)
    path = ("loops", "fit_loop", "epoch_progress", "current", "completed")
    found = checkpoint
    for key in path:
        assert key in found, f"Lightning {pl.__version__} checkpoints lack {'/'.join(path)} (at {key!r})"
        found = found[key]
    assert found == lightning_internals.completed_epochs(checkpoint) == 1


def test_lightning_fabric_still_sets_the_nvml_cuda_check_on_import():
    source = inspect.getsource(lightning_fabric)
    assert f'os.environ["{lightning_internals.NVML_CUDA_CHECK_VARIABLE}"]' in source, (
        f"lightning_fabric {lightning_fabric.__version__} no longer sets "
        f"{lightning_internals.NVML_CUDA_CHECK_VARIABLE}; dlr.patches.lightning_internals.skip_nvml_cuda_check is moot"
    )

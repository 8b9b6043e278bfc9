"""The base LightningModule of every task: optimizers from Hydra partials, parameter counts, and exact resume.

Subclasses say *how* a net learns (``training_step`` and friends) and what it reports: metrics gathered
over an epoch and logged once at its end (``log_epoch``), because per-step ``self.log`` calls cost more than
a small model's forward pass.
"""

import random
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn

from dlr.errors import require
from dlr.patches.lightning_internals import RUNNING_HOOK_ATTRIBUTE, count_optimizer_steps
from dlr.transfer.checkpoint_file import check_resumable, load_checkpoint
from dlr.transforms import TASK_NET_PREFIX

# Lightning warns whenever a module overrides `transfer_batch_to_device` and a datamodule is used; the
# override below is deliberate.
warnings.filterwarnings("ignore", message=".*overridden `transfer_batch_to_device`.*")


def count_parameters(module: nn.Module) -> dict[str, float]:
    total = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    share = round(100.0 * trainable / max(total, 1), 4)
    return {"params/total": total, "params/trainable": trainable, "params/trainable_pct": share}


#: How a task steps inside a batch group (``dlr.run.batch_groups``): no groups, plain torch calls, or through
#: Lightning's ``manual_backward`` and optimizer wrapper.
GROUP_STEPS = ("off", "plain", "lightning")


class Task(pl.LightningModule):
    """Everything a task needs is passed here, decided before it is built (``dlr.tasks.from_config.build_task``): its
    net as transfer and quantization left it, and how the run around it trains it."""

    def __init__(
        self,
        net: nn.Module,
        optimizer: Callable[..., torch.optim.Optimizer] | None = None,
        scheduler: Callable[..., object] | None = None,
        data_info: dict | None = None,
        run_config: dict | None = None,
        lr_multipliers: dict[str, float] | None = None,
        optimize_frozen: bool = False,
        group_steps: str = "off",
    ):
        super().__init__()
        require(group_steps in GROUP_STEPS, "group_steps", f"must be one of {', '.join(GROUP_STEPS)}")
        self.net = net
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        self.data_info = data_info or {}
        #: The composed config, stored in every checkpoint so eval.py can rebuild the run.
        self.run_config = run_config
        #: Learning-rate multipliers by the net's parameter names (discriminative LR), and whether frozen
        #: parameters join the optimizer anyway, so that a callback can unfreeze them later (dlr.transfer).
        self.lr_multipliers = {f"{TASK_NET_PREFIX}{name}": m for name, m in (lr_multipliers or {}).items()}
        self.optimize_frozen = optimize_frozen
        self.plain_group_steps = group_steps == "plain"
        if group_steps != "off":
            self.automatic_optimization = (
                False  # training_step runs one optimizer step per batch of the group
            )

    @classmethod
    def takes_batch_groups(cls) -> bool:
        """Whether ``training_step`` accepts a list of batches (``data.batches_per_step`` > 1)."""
        return False

    def optimizer_step_per_batch(self, batches, loss_of: Callable) -> dict[str, torch.Tensor]:
        """Train on a group of batches, one optimizer step each, as Lightning would one per Lightning step;
        the group's losses, for what checks them at its end (``training_step``'s outputs)."""
        optimizer = self.optimizers(use_pl_optimizer=not self.plain_group_steps)
        backward = torch.Tensor.backward if self.plain_group_steps else self.manual_backward
        losses = []
        for batch in batches:
            loss = loss_of(batch)
            optimizer.zero_grad()
            backward(loss)
            optimizer.step()
            losses.append(loss.detach())
        if self.plain_group_steps:
            count_optimizer_steps(self.trainer, len(batches))
        return {"group_losses": torch.stack(losses)}

    def replace_net(self, net: nn.Module) -> None:
        """After the fit: the net converted for shipping (QLoRA's merged adapters)."""
        self.net = net

    @contextmanager
    def net_replaced_by(self, net: nn.Module) -> Iterator[None]:
        """The task with ``net`` in its net's place for a while (testing a quantized net's float reference)."""
        own = self.net
        self.net = net
        try:
            yield
        finally:
            self.net = own

    def forward(self, x):
        return self.net(x)

    # Two per-step costs of Lightning that dwarf a small model's step: it renames the running hook about
    # 45 times a step (dlr.patches.lightning_internals.RUNNING_HOOK_ATTRIBUTE), and walks every batch to move it to a
    # device, even to the CPU it is already on.
    def __setattr__(self, name: str, value) -> None:
        if name == RUNNING_HOOK_ATTRIBUTE:
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def transfer_batch_to_device(self, batch, device: torch.device, dataloader_idx: int):
        if device.type == "cpu":
            return batch
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    # Tasks gather their metrics over an epoch and log them once, at its end: a per-step `self.log` costs
    # more than a small model's step.
    def log_epoch(self, stage: str) -> None:
        """Log what this epoch of ``stage`` (train, val or test) gathered; nothing by default."""

    def on_train_epoch_end(self) -> None:
        if not self.automatic_optimization:  # Lightning steps schedulers only under automatic optimization
            schedulers = self.lr_schedulers() or []
            for scheduler in schedulers if isinstance(schedulers, list) else [schedulers]:
                scheduler.step()
        self.log_epoch("train")

    def on_validation_epoch_end(self) -> None:
        self.log_epoch("val")

    def on_test_epoch_end(self) -> None:
        self.log_epoch("test")

    def parameter_counts(self) -> dict[str, float]:
        return count_parameters(self)

    def parameter_groups(self) -> list[dict]:
        """The optimized parameters, one group per learning-rate multiplier (a single group by default)."""
        groups: dict[float, list[nn.Parameter]] = {}
        for name, param in self.named_parameters():
            if param.requires_grad or self.optimize_frozen:
                groups.setdefault(self.lr_multipliers.get(name, 1.0), []).append(param)
        return [{"params": params, "lr_multiplier": multiplier} for multiplier, params in groups.items()]

    def configure_optimizers(self):
        optimizer = self.optimizer_factory(self.parameter_groups())
        for group in optimizer.param_groups:  # the optimizer's lr, scaled per group (discriminative LR)
            group["lr"] *= group["lr_multiplier"]
        if self.scheduler_factory is None:
            return optimizer
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": self.scheduler_factory(optimizer), "interval": "epoch"},
        }

    # Lightning restores epoch, optimizer and scheduler; the RNG streams (dropout, sampling) are ours to restore.
    # Everything stored is tensors and plain Python, so checkpoints load with torch's weights_only=True.
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        name, keys, position, has_gauss, gauss = np.random.get_state()
        checkpoint["dlr_rng"] = {
            "torch": torch.get_rng_state(),
            "numpy": [name, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, gauss],
            "python": random.getstate(),
        }
        checkpoint["dlr_config"] = self.run_config

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, map_location=None, **_lightning_options) -> "Task":
        """A dlr checkpoint's trained task, rebuilt from the config the checkpoint stores, as eval.py rebuilds
        it (its data is built too: the net's shapes and a table's encoding come from it), on
        ``map_location``. Lightning's own version needs the constructor's arguments in the checkpoint,
        which a task built from live objects (its net) cannot store."""
        from dlr.tasks.from_config import build_datamodule, rebuild_trained, stored_config

        checkpoint = load_checkpoint(checkpoint_path)
        run_cfg = stored_config(checkpoint)
        task, _ = rebuild_trained(run_cfg, build_datamodule(run_cfg), checkpoint, checkpoint_path)
        require(
            isinstance(task, cls),
            "ckpt_path",
            f"{checkpoint_path} holds a {type(task).__name__}, not a {cls.__name__}",
        )
        return task.to(map_location) if map_location is not None else task

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if self._trainer is not None and self.trainer.state.fn == "fit":
            # Lightning loads a resumed checkpoint once, and calls this before its weights replace these:
            # a checkpoint of another model is one line here, not a strict-load traceback.
            model = (self.run_config or {}).get("model", {}).get("name")
            max_epochs = self.trainer.max_epochs
            check_resumable(
                self.state_dict(), checkpoint, self.trainer.ckpt_path, f"model={model}", max_epochs
            )
        rng = checkpoint.get("dlr_rng")
        if rng is not None:
            torch.set_rng_state(rng["torch"])
            name, keys, position, has_gauss, gauss = rng["numpy"]
            np.random.set_state((name, keys.numpy().astype(np.uint32), position, has_gauss, gauss))
            random.setstate(rng["python"])

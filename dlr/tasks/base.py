"""The base LightningModule of every task: optimizers from Hydra partials, parameter counts, and exact resume.

Subclasses say *how* a net learns (``training_step`` and friends). Metrics are torchmetrics objects
updated per step and logged once per epoch, because per-step ``self.log`` calls cost more than a small
model's forward pass.
"""

import random
from collections.abc import Callable

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn


def count_parameters(module: nn.Module) -> dict[str, int]:
    total = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return {"params/total": total, "params/trainable": trainable}


class Task(pl.LightningModule):
    def __init__(
        self,
        net: nn.Module,
        optimizer: Callable[..., torch.optim.Optimizer] | None = None,
        scheduler: Callable[..., object] | None = None,
        data_info: dict | None = None,
    ):
        super().__init__()
        self.net = net
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        self.data_info = data_info or {}
        #: The composed config, stored in every checkpoint so eval.py can rebuild the run.
        self.run_config: dict | None = None

    def forward(self, x):
        return self.net(x)

    def parameter_counts(self) -> dict[str, int]:
        return count_parameters(self)

    def configure_optimizers(self):
        params = [p for p in self.parameters() if p.requires_grad]
        optimizer = self.optimizer_factory(params)
        if self.scheduler_factory is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": self.scheduler_factory(optimizer), "interval": "epoch"}}

    # Lightning restores epoch, optimizer and scheduler; the RNG streams (dropout, sampling) are ours to restore.
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["dlr_rng"] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
        checkpoint["dlr_config"] = self.run_config

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        rng = checkpoint.get("dlr_rng")
        if rng is not None:
            torch.set_rng_state(rng["torch"])
            np.random.set_state(rng["numpy"])
            random.setstate(rng["python"])

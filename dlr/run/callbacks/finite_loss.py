"""Stop a run whose loss is NaN or infinite: nothing after that step is worth computing or recording."""

import pytorch_lightning as pl
import torch

from dlr.errors import RunFailure


class FiniteLossGuard(pl.Callback):
    """Checks the loss before each backward (automatic and manual optimization alike)."""

    def on_before_backward(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, loss: torch.Tensor
    ) -> None:
        if not torch.isfinite(loss.detach()).all():
            raise RunFailure(f"non-finite loss at step {trainer.global_step}")

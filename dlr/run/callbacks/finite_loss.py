"""Stop a run whose loss is NaN or infinite: nothing after that step is worth computing or recording."""

import pytorch_lightning as pl
import torch

from dlr.errors import RunFailure


class FiniteLossGuard(pl.Callback):
    """Checks the loss before each backward (automatic and manual optimization alike), and a batch group's
    losses at the group's end: its plain torch steps (dlr.run.batch_groups) run no Lightning hook, and a
    check per step there would cost a sync per step. Either way it names the step of the first bad loss."""

    def on_before_backward(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, loss: torch.Tensor
    ) -> None:
        if not torch.isfinite(loss.detach()).all():
            raise RunFailure(f"non-finite loss at step {trainer.global_step}")

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx) -> None:
        losses = outputs.get("group_losses") if isinstance(outputs, dict) else None
        if losses is None:
            return
        bad = (~torch.isfinite(losses)).nonzero()
        if len(bad):  # global_step already counts the whole group
            raise RunFailure(f"non-finite loss at step {trainer.global_step - len(losses) + int(bad[0])}")

"""Gradual unfreezing (ULMFiT): train the head first, then unfreeze one more block, output side first."""

import pytorch_lightning as pl
from torch import nn

from dlr.errors import require
from dlr.transfer.blocks import transfer_blocks
from dlr.transfer.freeze import set_trainable


class GradualUnfreeze(pl.Callback):
    """At epoch ``e`` the last ``start_blocks + e // every_n_epochs`` blocks are trainable, the rest frozen.

    The schedule is a function of the epoch alone, so a resumed run continues it. Frozen parameters stay in
    the optimizer (``Task.optimize_frozen``): they get no gradient, so the optimizer skips them until then.
    """

    def __init__(self, net: nn.Module, start_blocks: int = 1, every_n_epochs: int = 1):
        self.net = net
        self.blocks = transfer_blocks(net)
        require(
            1 <= start_blocks <= len(self.blocks),
            "transfer.gradual_unfreeze.start_blocks",
            f"must be in [1, {len(self.blocks)}] (this net's blocks), got {start_blocks}",
        )
        require(
            every_n_epochs >= 1,
            "transfer.gradual_unfreeze.every_n_epochs",
            f"must be >= 1, got {every_n_epochs}",
        )
        self.start_blocks, self.every_n_epochs = start_blocks, every_n_epochs
        #: (epoch, trainable blocks) as applied, for the record and the tests.
        self.history: list[tuple[int, int]] = []
        self.apply(0)

    def trainable_blocks(self, epoch: int) -> int:
        return min(len(self.blocks), self.start_blocks + epoch // self.every_n_epochs)

    def apply(self, epoch: int) -> int:
        n = self.trainable_blocks(epoch)
        for i, block in enumerate(self.blocks):
            set_trainable(self.net, block.params, i >= len(self.blocks) - n)
        return n

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        n = self.apply(trainer.current_epoch)
        self.history.append((trainer.current_epoch, n))
        pl_module.log("transfer/trainable_blocks", float(n), on_step=False, on_epoch=True)

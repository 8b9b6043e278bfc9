"""``last.ckpt``, the checkpoint that resume (``ckpt_path=last``), eval and transfer read.

Written at the end of training (also for rules that take no optimizer step, such as ELM or a Markov chain),
and at the end of an epoch once ``every_s`` seconds have passed since the previous write, so a killed run
resumes from at most that far back. Not after every epoch: a save costs a few milliseconds, as much as a
whole epoch of a small model on a small dataset.

It is a ``Checkpoint`` so that Lightning runs it after the module's own ``on_train_epoch_end``, which steps
epoch schedulers under manual optimization: the saved state is the state the next epoch starts from.
Lightning's ``ModelCheckpoint(save_last=True)`` is not used for this: it writes ``last.ckpt`` only together
with a best checkpoint, so a run whose val/loss stopped improving would resume from an old epoch.

It is also where a signal stops training (dlr/run/signals.py): at the end of the epoch in which SIGTERM,
SIGINT or a requeue signal arrived it writes ``last.ckpt`` and ends the fit. Every ``last.ckpt`` therefore
holds an epoch boundary, and resuming from it gives exactly the run that was never stopped.
"""

import time
from pathlib import Path

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Checkpoint

from dlr.errors import require
from dlr.run.signals import STOPS


class LastCheckpoint(Checkpoint):
    def __init__(self, dirpath: str, every_s: float = 10.0):
        require(every_s >= 0, "callbacks.last_checkpoint.every_s", f"must be >= 0 seconds, got {every_s}")
        self.path = Path(dirpath) / "last.ckpt"
        self.every_s = every_s
        self._saved_at = time.monotonic()

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._saved_at = time.monotonic()
        STOPS.reclaim()
        STOPS.graceful = True

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Rank 0's clock and signals decide for all: saving is collective, a rank that skipped it would hang.
        stop = trainer.strategy.broadcast(STOPS.requested)
        if stop is not None:
            STOPS.requested = stop
            trainer.should_stop = True
        if trainer.strategy.broadcast(time.monotonic() - self._saved_at >= self.every_s) or stop is not None:
            self._save(trainer)
        if stop is not None:
            STOPS.forward(stop, during_fit=True)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        STOPS.graceful = False
        self._save(trainer)

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        # The last.ckpt on disk stays the newest epoch boundary: a mid-epoch state is not written.
        STOPS.graceful = False

    def _save(self, trainer: pl.Trainer) -> None:
        # Every rank calls it; rank 0 writes, atomically. weights_only=False: with optimizer and loop state,
        # which resume needs (all tensors and plain Python: it still loads with torch.load(weights_only=True)).
        trainer.save_checkpoint(self.path, weights_only=False)
        self._saved_at = time.monotonic()

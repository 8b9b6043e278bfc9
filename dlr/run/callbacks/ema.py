"""``callbacks=ema``: an exponential moving average of the weights, updated after every optimizer step.

Lightning's ``EMAWeightAveraging`` updates in ``on_train_batch_end``, once per Lightning step: inside a batch
group (dlr.run.batch_groups, 32 optimizer steps per Lightning step) it would see one step in 32. This
subclass updates from a post-hook on the torch optimizer itself, which runs after every ``step()`` however
it is called: Lightning's automatic optimization, or a batch group's plain torch step or Lightning wrapper.
So batch groups stay on.

The rest is Lightning's: validation runs on the averaged weights (swapped in, then back); a checkpoint holds
the averaged weights as ``state_dict`` (what ModelCheckpoint's choice, eval.py and predict.py see) and the
raw ones as ``current_model_state``; resume restores both. One change: at the end of training the averaged
weights are swapped in rather than copied over the raw ones, so the ``last.ckpt`` written then still holds
the raw weights and a longer run resumes from it exactly.
"""

import pytorch_lightning as pl
from pytorch_lightning.callbacks import EMAWeightAveraging

from dlr.errors import require


class ExponentialMovingAverage(EMAWeightAveraging):
    def __init__(
        self,
        decay: float = 0.999,
        update_every_n_steps: int = 1,
        update_starting_at_step: int | None = None,
        **options,
    ):
        require(0 < decay < 1, "callbacks.ema.decay", f"must be in (0, 1), got {decay!r}")
        super().__init__(
            decay=decay,
            update_every_n_steps=update_every_n_steps,
            update_starting_at_step=update_starting_at_step,
            **options,
        )
        self._step_hooks = []
        self._steps = 0
        self._averaged_in_place = False

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Two optimizers (a GAN's) step in turn: an average over both would count each batch twice.
        require(
            len(trainer.optimizers) == 1,
            "callbacks.ema",
            f"{type(pl_module).__name__} steps {len(trainer.optimizers)} optimizers; EMA averages a single one's steps",
        )
        self._steps = trainer.global_step  # a resumed run counts on from its checkpoint

        def after_step(optimizer, args, kwargs) -> None:
            step_index, self._steps = self._steps, self._steps + 1
            if self.should_update(step_idx=step_index):
                self._average_model.update_parameters(pl_module)
                self._latest_update_step = self._steps

        self._step_hooks = [optimizer.register_step_post_hook(after_step) for optimizer in trainer.optimizers]

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        """Nothing: the optimizer's post-hook has averaged every step of the batch (or group)."""

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._remove_step_hooks()
        self._swap_models(pl_module)  # test and the final checkpoints see the average; the raw weights stay
        self._averaged_in_place = True

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception) -> None:
        self._remove_step_hooks()

    def on_save_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict
    ) -> None:
        super().on_save_checkpoint(trainer, pl_module, checkpoint)
        if self._averaged_in_place:  # the module holds the average, the averaged model the raw weights
            checkpoint["state_dict"], checkpoint["current_model_state"] = (
                checkpoint["current_model_state"],
                checkpoint["state_dict"],
            )

    def _remove_step_hooks(self) -> None:
        for hook in self._step_hooks:
            hook.remove()
        self._step_hooks = []

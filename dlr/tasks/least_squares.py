"""Least squares fitted in one step on the whole training set: min-norm, ridge, or GCV-tuned ridge.

At the start of training the net's ``fit(x, targets)`` sees every training row at once (a min-norm
solution needs them all; it cannot be accumulated batch by batch like a ridge Gram matrix). The one epoch
that follows only measures: train metrics with the fitted weights, then validation. The nets are linear
smoothers, so the task also logs their effective parameters ``effective/p_train`` and ``effective/p_test``
(Curth et al. 2023), which land in metrics.json.
"""

import torch
import torch.nn.functional as F

from dlr.analysis.effective_parameters import effective_parameters
from dlr.errors import require
from dlr.tasks.supervised import SupervisedTask


class LeastSquaresTask(SupervisedTask):
    def __init__(self, *args, **kwargs):
        kwargs.pop("optimizer", None)  # nothing here is trained by an optimizer
        kwargs.pop("scheduler", None)
        super().__init__(*args, loss="mse", **kwargs)
        for method in ("fit", "smoother"):
            require(
                callable(getattr(self.net, method, None)),
                "model.net",
                f"{type(self.net).__name__} has no {method}(); least squares needs a linear smoother",
            )
        self.automatic_optimization = False
        self.fitted: dict[str, float] = {}

    def configure_optimizers(self):
        return None

    def _targets(self, y: torch.Tensor) -> torch.Tensor:
        """One-hot columns for classes (squared loss on K outputs), one column per regression output."""
        if self.classification:
            return F.one_hot(y, self.output_size).double()
        return y.view(len(y), -1).double()

    def on_train_start(self) -> None:
        train, test = self.trainer.datamodule.train, self.trainer.datamodule.test
        train_x, test_x = train.x.to(self.device), test.x.to(self.device)
        self.net.fit(train_x, self._targets(train.y.to(self.device)))
        self.fitted = {
            "effective/p_train": effective_parameters(self.net.smoother(train_x)),
            "effective/p_test": effective_parameters(self.net.smoother(test_x)),
            "ridge/penalty": float(self.net.penalty),
        }

    def training_step(self, batch, batch_idx):
        with torch.no_grad():
            self._step(batch, "train")

    def on_train_epoch_end(self) -> None:
        super().on_train_epoch_end()
        self.log_dict(self.fitted)
        self.trainer.should_stop = True  # one pass measures the fit; more epochs would only repeat it

"""Closed-form readouts: fixed features (random layer, reservoir, spiking liquid), ridge-regressed readout.

The net exposes ``features(x)`` and a linear ``readout``. One pass over the training data accumulates
``HᵀH`` and ``HᵀY`` (float64, bias column appended); the last batch of the epoch solves the ridge system and
writes the readout. Each epoch starts from zero, so extra epochs recompute the same solution rather than
count the data twice. No optimizer, no gradient.
"""

import torch
import torch.nn.functional as F
from torchmetrics.classification import MulticlassAccuracy
from torchmetrics.regression import NormalizedRootMeanSquaredError

from dlr.errors import require
from dlr.tasks.rule_based import STAGES, RuleTask


def with_bias(features: torch.Tensor) -> torch.Tensor:
    return torch.cat([features, features.new_ones(len(features), 1)], dim=1)


def ridge_solution(gram: torch.Tensor, cross: torch.Tensor, penalty: float) -> torch.Tensor:
    """``(G + penalty·I)⁻¹ C``, leaving the last (bias) row unpenalised."""
    diagonal = gram.new_full((len(gram),), penalty)
    diagonal[-1] = 0.0
    return torch.linalg.solve(gram + torch.diag(diagonal), cross)


class ClosedFormTask(RuleTask):
    metric_names = ("loss",)

    def __init__(self, *args, ridge: float = 1e-3, **kwargs):
        super().__init__(*args, **kwargs)
        require(ridge >= 0, "model.task.ridge", f"must be >= 0, got {ridge}")
        self.ridge = ridge
        self.classification = self.data_info.get("task_type", "classification") == "classification"
        self.output_size = self.data_info.get("output_size", 1)
        name = "acc" if self.classification else "nrmse"
        self.quality_name = name
        self.quality = torch.nn.ModuleDict({f"{stage}_": self._quality_metric() for stage in STAGES})
        self.gram: torch.Tensor | None = None
        self.cross: torch.Tensor | None = None
        self.n_seen = 0

    def _quality_metric(self):
        if self.classification:
            return MulticlassAccuracy(self.output_size, average="micro")
        return NormalizedRootMeanSquaredError(normalization="std")

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        if self.classification:
            return F.one_hot(y, self.output_size).double()
        return y.reshape(len(y), -1).double()

    def on_train_epoch_start(self) -> None:
        self.gram, self.cross, self.n_seen = None, None, 0

    def training_step(self, batch, batch_idx):
        x, y = batch
        with torch.no_grad():
            features = with_bias(self.net.features(x).double())
            gram, cross = features.T @ features, features.T @ self.targets(y)
        self.gram = gram if self.gram is None else self.gram + gram
        self.cross = cross if self.cross is None else self.cross + cross
        self.n_seen += len(x)
        if self.trainer.is_last_batch:
            self.solve()

    def solve(self) -> None:
        """Write the ridge solution of everything seen this epoch, by every rank, into the net's readout."""
        gram, cross = self.sum_over_ranks(self.gram), self.sum_over_ranks(self.cross)
        n_seen = int(self.sum_over_ranks(self.gram.new_tensor(self.n_seen)))
        weights = ridge_solution(gram, cross, self.ridge * n_seen)
        readout = self.net.readout
        readout.weight.data.copy_(weights[:-1].T)
        readout.bias.data.copy_(weights[-1])

    def evaluate(self, batch, stage: str) -> None:
        x, y = batch
        outputs = self.net(x)
        self.track(stage, len(x), loss=F.mse_loss(outputs.double(), self.targets(y)))
        self.quality[f"{stage}_"].update(outputs if self.classification else outputs.reshape(y.shape), y)

    def log_epoch(self, stage: str) -> None:
        super().log_epoch(stage)
        metric = self.quality[f"{stage}_"]
        if metric.update_called:
            self.log(f"{stage}/{self.quality_name}", metric.compute())
            metric.reset()

"""Per-epoch metrics that cost almost nothing per step.

A torchmetrics ``update`` costs a few hundred microseconds, as much as a small model's whole step, so each
step only stores its detached loss, predictions and targets; the torchmetrics objects see the epoch's
concatenated tensors once, when it ends. The stored tensors are one prediction per sample, which is small
next to the in-memory dataset they came from.
"""

import torch
from torchmetrics import MeanMetric, MetricCollection


class EpochMetrics(torch.nn.Module):
    def __init__(self, metrics: MetricCollection):
        super().__init__()
        self.metrics = metrics
        self.loss = MeanMetric()
        self._batches: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def add(self, loss: torch.Tensor, predictions: torch.Tensor, targets: torch.Tensor) -> None:
        self._batches.append((loss.detach() * len(targets), predictions.detach(), targets))

    def compute(self, prefix: str) -> dict[str, torch.Tensor]:
        """Metrics of the epoch so far as ``{prefix}/name``, then reset for the next epoch."""
        if not self._batches:
            return {}
        losses, predictions, targets = zip(*self._batches, strict=True)
        self._batches.clear()
        targets = torch.cat(targets)
        self.loss.update(torch.stack(losses).sum() / len(targets), weight=len(targets))
        self.metrics.update(torch.cat(predictions), targets)
        values = {
            f"{prefix}/loss": self.loss.compute(),
            **{f"{prefix}/{k}": v for k, v in self.metrics.compute().items()},
        }
        self.loss.reset()
        self.metrics.reset()
        return values

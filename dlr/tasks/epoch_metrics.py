"""Per-epoch metrics that cost almost nothing per step.

A torchmetrics ``update`` costs a few hundred microseconds, as much as a small model's whole step, so each
step only stores its detached loss, outputs and targets, without a single tensor operation; the epoch's
outputs become predictions, and the torchmetrics objects see them, once, when it ends. The stored outputs
are a few numbers per sample, small next to the in-memory dataset they came from.
"""

from collections.abc import Callable

import torch
from torchmetrics import MeanMetric, MetricCollection


class EpochMetrics(torch.nn.Module):
    def __init__(
        self, metrics: MetricCollection, to_predictions: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    ):
        """``to_predictions(outputs, targets)`` turns the net's outputs into what ``metrics`` compare."""
        super().__init__()
        self.metrics = metrics
        self.to_predictions = to_predictions
        self.loss = MeanMetric()
        self._batches: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def add(self, loss: torch.Tensor, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        self._batches.append((loss.detach(), outputs.detach(), targets))

    def compute(self, prefix: str) -> dict[str, torch.Tensor]:
        """Metrics of the epoch so far as ``{prefix}/name``, then reset for the next epoch."""
        if not self._batches:
            return {}
        losses, outputs, targets = zip(*self._batches, strict=True)
        self._batches.clear()
        sizes = torch.tensor([len(t) for t in targets], device=losses[0].device)
        targets = torch.cat(targets)
        mean_loss = (torch.stack(losses).float() * sizes).sum() / len(targets)
        self.loss.update(mean_loss, weight=len(targets))
        self.metrics.update(self.to_predictions(torch.cat(outputs), targets), targets)
        values = {
            f"{prefix}/loss": self.loss.compute(),
            **{f"{prefix}/{k}": v for k, v in self.metrics.compute().items()},
        }
        self.loss.reset()
        self.metrics.reset()
        return values

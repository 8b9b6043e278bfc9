"""The base of the tasks whose net learns by its own rule (closed form, Hebbian, contrastive divergence, ...).

Lightning's manual optimization hands ``training_step`` the batch and leaves the update to the task, so
the rule runs there under ``torch.no_grad()``. A rule that needs no optimizer returns none from
``configure_optimizers``; the learned state lives in the net's parameters and buffers, so checkpoints,
``eval.py`` and resume carry it like any trained weights. Metrics are averaged per epoch by name and logged
as ``<stage>/<name>``; every task logs ``val/loss`` so the default checkpoint callback can monitor it.
"""

import torch
from torch import nn
from torchmetrics import MeanMetric

from dlr.tasks.base import Task

STAGES = ("train", "val", "test")


class RuleTask(Task):
    #: The per-stage averages the task may report; a name never updated in an epoch is not logged.
    metric_names: tuple[str, ...] = ("loss",)
    #: Whether the rule steps the configured optimizer (CD learning) or needs none (closed form, counting).
    uses_optimizer = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.automatic_optimization = False
        self.averages = nn.ModuleDict(
            {f"{stage}_{name}": MeanMetric() for stage in STAGES for name in self.metric_names}
        )

    def configure_optimizers(self):
        return super().configure_optimizers() if self.uses_optimizer else None

    def track(self, stage: str, weight: int, **values: torch.Tensor | float) -> None:
        """Add this batch's values (each a batch mean) to the epoch averages of ``stage``."""
        for name, value in values.items():
            self.averages[f"{stage}_{name}"].update(
                torch.as_tensor(value, dtype=torch.float32), weight=weight
            )

    def log_epoch(self, stage: str) -> None:
        values = {}
        for name in self.metric_names:
            average = self.averages[f"{stage}_{name}"]
            if average.update_called:
                values[f"{stage}/{name}"] = average.compute()
                average.reset()
        if values:
            self.log_dict(values)

    def sum_over_ranks(self, statistic: torch.Tensor) -> torch.Tensor:
        """``statistic`` summed over the training processes (itself in a single process).

        Each DDP rank sees a disjoint share of the training set, so a rule that accumulates sums (a Gram
        matrix, counts, Hebbian outer products) combines them here, once per epoch and in step on every
        rank (the loader gives every rank the same number of batches), and all replicas end equal.
        """
        return self.trainer.strategy.reduce(statistic, reduce_op="sum")

    def validation_step(self, batch, batch_idx):
        self.evaluate(batch, "val")

    def test_step(self, batch, batch_idx):
        self.evaluate(batch, "test")

    def evaluate(self, batch, stage: str) -> None:
        """Measure the net on one evaluation batch and ``track`` the results."""
        raise NotImplementedError

"""Sequence-to-sequence learning of bit vectors: bitwise cross-entropy on the scored steps only.

Targets below 0 mark steps that are not scored (input phase, padding). The nets are causal, so the trailing
steps of a batch where nothing is scored are trimmed before the forward pass; that keeps padding to the
longest test sequence from slowing training down. Metrics: ``*/bit_error``, the fraction of wrong bits of
each sequence averaged over sequences (0.5 is chance), and on test ``test/bit_error_long`` for sequences
running longer than any training sequence (``max_train_steps`` from the data).
"""

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric

from dlr.tasks.base import Task
from dlr.tasks.stage_steps import StageSteps

STAGES = ("train", "val", "test", "test_long")


def bit_errors(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Fraction of wrong bits of each sequence (B,), counting scored steps only (targets >= 0)."""
    scored = targets >= 0
    wrong = ((logits > 0) != (targets > 0.5)) & scored
    return wrong.sum((1, 2)) / scored.sum((1, 2)).clamp(min=1)


class SequenceToSequenceTask(StageSteps, Task):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_train_steps = self.data_info.get("max_train_steps")
        # ModuleDict keys may not shadow nn.Module attributes such as `train`, hence the suffix.
        self.losses = torch.nn.ModuleDict({f"{stage}_": MeanMetric() for stage in STAGES[:3]})
        self.bit_errors = torch.nn.ModuleDict({f"{stage}_": MeanMetric() for stage in STAGES})

    def _step(self, batch, stage: str) -> torch.Tensor:
        x, y = batch
        scored = y >= 0
        scored_steps = scored.any(-1)
        steps = int(scored_steps.any(0).nonzero().max()) + 1
        x, y, scored, scored_steps = x[:, :steps], y[:, :steps], scored[:, :steps], scored_steps[:, :steps]
        logits = self.net(x)
        loss = F.binary_cross_entropy_with_logits(logits[scored], y[scored])
        self.losses[f"{stage}_"].update(loss.detach(), weight=len(y))
        bit_error = bit_errors(logits.detach(), y)
        if stage == "test" and self.max_train_steps is not None:
            sequence_steps = (scored_steps * torch.arange(1, steps + 1, device=y.device)).amax(1)
            longer = sequence_steps > self.max_train_steps
            self._update(self.bit_errors["test_long_"], bit_error[longer])
            bit_error = bit_error[~longer]
        self._update(self.bit_errors[f"{stage}_"], bit_error)
        return loss

    @staticmethod
    def _update(metric: MeanMetric, values: torch.Tensor) -> None:
        if len(values):
            metric.update(values)

    def log_epoch(self, stage: str) -> None:
        values = {f"{stage}/loss": self.losses[f"{stage}_"].compute()}
        names = {f"{stage}_": f"{stage}/bit_error"} | (
            {"test_long_": "test/bit_error_long"} if stage == "test" else {}
        )
        for key, name in names.items():
            if self.bit_errors[key].update_called:  # a split may hold no sequence of a kind
                values[name] = self.bit_errors[key].compute()
            self.bit_errors[key].reset()
        self.log_dict(values)
        self.losses[f"{stage}_"].reset()

"""Classification with capsules: the margin loss of Sabour et al. (2017) on the class capsules' lengths.

For class k with length l_k: ``T_k * relu(m+ - l_k)^2 + lambda * (1 - T_k) * relu(l_k - m-)^2`` summed over
classes, with T_k = 1 for the true class. The lengths serve as scores for the accuracy metric.
"""

import torch
import torch.nn.functional as F

from dlr.errors import require
from dlr.tasks.supervised import SupervisedTask


class CapsuleTask(SupervisedTask):
    def __init__(
        self,
        *args,
        upper_margin: float = 0.9,
        lower_margin: float = 0.1,
        absent_weight: float = 0.5,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        require(self.classification, "data", "capsnet classifies; pick classification data")
        require(
            0 <= lower_margin < upper_margin <= 1,
            "model.task",
            f"needs 0 <= lower_margin < upper_margin <= 1, got {lower_margin}, {upper_margin}",
        )
        self.upper_margin, self.lower_margin, self.absent_weight = upper_margin, lower_margin, absent_weight

    def loss(self, lengths: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        present = F.one_hot(y, lengths.shape[1]).to(lengths.dtype)
        missed = present * F.relu(self.upper_margin - lengths).pow(2)
        spurious = self.absent_weight * (1 - present) * F.relu(lengths - self.lower_margin).pow(2)
        return (missed + spurious).sum(1).mean()

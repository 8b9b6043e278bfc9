"""Supervised learning for a net whose output is ``(batch, members, outputs)``: an ensemble in one module.

Each member is trained on its own loss (their mean), not the ensemble's average output, so the members stay
diverse (TabM, Gorishniy et al. 2025); the ensemble predicts with the members' mean probability
(classification) or mean value (regression).
"""

import torch

from dlr.tasks.supervised import SupervisedTask


class EnsembleMembersTask(SupervisedTask):
    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        members = outputs.shape[1]
        return super().loss(outputs.flatten(0, 1), y.repeat_interleave(members, dim=0))

    def predictions(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        mean = outputs.softmax(-1).mean(1) if self.classification else outputs.mean(1)
        return super().predictions(mean, y)

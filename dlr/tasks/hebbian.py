"""Hebbian storage and associative recall: store the training patterns, recall them from corrupted copies.

Each epoch stores the training set from zero (one pass; extra epochs store the same weights). Evaluation
flips a fixed fraction of each pattern's bits (``corruption``, seeded so every evaluation sees the same
corruption) and runs the net's recall. Reported: ``recall_rate`` (patterns recovered exactly), ``overlap``
(fraction of bits right after recall) next to ``overlap_corrupted`` (before recall, i.e. 1 - corruption),
and ``loss`` = 1 - overlap.
"""

import torch

from dlr.errors import require
from dlr.tasks.rule_based import RuleTask


def corrupt(x: torch.Tensor, fraction: float, generator: torch.Generator) -> torch.Tensor:
    """Flip exactly ``round(fraction * bits)`` randomly chosen bits of each {0, 1} pattern."""
    flat = x.flatten(1).clone()
    n_flip = int(round(fraction * flat.shape[1]))
    # drawn where the generator lives, so one seed corrupts the same bits on every device
    chosen = torch.rand(flat.shape, generator=generator, device=generator.device).argsort(1)[:, :n_flip]
    chosen = chosen.to(x.device)
    flat.scatter_(1, chosen, 1 - flat.gather(1, chosen))
    return flat.view_as(x)


class HebbianTask(RuleTask):
    metric_names = ("loss", "recall_rate", "overlap", "overlap_corrupted")

    def __init__(self, *args, corruption: float = 0.2, corruption_seed: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        require(0.0 <= corruption < 1.0, "model.task.corruption", f"must be in [0, 1), got {corruption}")
        self.corruption, self.corruption_seed = corruption, corruption_seed

    def on_train_epoch_start(self) -> None:
        self.net.reset()

    def training_step(self, batch, batch_idx):
        x, _ = batch
        self.net.store(x)
        if self.trainer.is_last_batch:
            with torch.no_grad():
                self.net.weight.copy_(self.sum_over_ranks(self.net.weight.detach().clone()))

    def evaluate(self, batch, stage: str) -> None:
        x, _ = batch
        generator = torch.Generator().manual_seed(self.corruption_seed)
        probes = corrupt(x, self.corruption, generator)
        recalled = self.net.recall(probes, generator)
        correct = (recalled == x).flatten(1).float()
        overlap = correct.mean()
        self.track(stage, len(x), loss=1 - overlap, overlap=overlap, recall_rate=correct.min(1).values.mean())
        self.track(stage, len(x), overlap_corrupted=(probes == x).float().mean())

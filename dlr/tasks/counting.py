"""Fitting a Markov chain by counting transitions: one pass, no optimizer.

Each epoch recounts from zero, so further epochs reproduce the same chain. Evaluation reports the mean
per-transition log-likelihood of held-out sequences (``log_likelihood``, and ``loss`` = its negative) next to
the memoryless unigram model's (``ll_unigram``) and the uniform one's (``ll_uniform``). After fitting, a few
sampled sequences are written to ``samples.json`` in the run directory.
"""

import json
import math
from pathlib import Path

import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from dlr.tasks.rule_based import RuleTask


class CountingTask(RuleTask):
    metric_names = ("loss", "log_likelihood", "ll_unigram", "ll_uniform")

    def __init__(self, *args, n_samples: int = 5, sample_length: int = 30, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_samples, self.sample_length = n_samples, sample_length

    def on_train_epoch_start(self) -> None:
        self.net.reset()

    def training_step(self, batch, batch_idx):
        x, y = batch
        self.net.count(x, y)
        if self.trainer.is_last_batch:
            with torch.no_grad():
                self.net.counts.copy_(self.sum_over_ranks(self.net.counts.detach().clone()))

    def evaluate(self, batch, stage: str) -> None:
        x, y = batch
        log_likelihood = self.net(x).gather(-1, y.unsqueeze(-1)).mean()
        unigram = self.net.log_unigram()[y].mean()
        self.track(stage, y.numel(), loss=-log_likelihood, log_likelihood=log_likelihood, ll_unigram=unigram)
        self.track(stage, y.numel(), ll_uniform=-math.log(self.net.n_states))

    def on_train_end(self) -> None:
        if self.n_samples < 1:
            return
        generator = torch.Generator().manual_seed(0)
        samples = self.net.sample(self.n_samples, self.sample_length, generator)
        save_sequences(samples, Path(self.trainer.default_root_dir) / "samples.json")


@rank_zero_only
def save_sequences(samples: torch.Tensor, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"samples": samples.tolist()}))

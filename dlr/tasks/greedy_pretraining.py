"""Greedy layer-wise pretraining of a deep belief network, then supervised fine-tuning, beside a scratch twin.

Epochs ``[i * pretrain_epochs, (i + 1) * pretrain_epochs)`` train RBM ``i`` by CD-k on the layer below's
hidden probabilities (lower layers frozen); the remaining epochs fine-tune the whole stack and its head with
cross-entropy. A twin with the same architecture and the same initial weights, never pretrained, is
fine-tuned on the same batches with its own copy of the optimizer, so each run reports both: ``acc``/``loss``
for the DBN and ``acc_scratch``/``loss_scratch`` for the twin, under the same supervised budget.
"""

import copy

import torch
import torch.nn.functional as F

from dlr.errors import require
from dlr.tasks.contrastive_divergence import contrastive_divergence_step
from dlr.tasks.rule_based import RuleTask


class GreedyPretrainingTask(RuleTask):
    metric_names = ("loss", "acc", "loss_scratch", "acc_scratch", "recon_error")
    uses_optimizer = True

    def __init__(self, *args, pretrain_epochs: int = 5, k: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        require(pretrain_epochs >= 0, "model.task.pretrain_epochs", f"must be >= 0, got {pretrain_epochs}")
        require(k >= 1, "model.task.k", f"must be >= 1, got {k}")
        self.pretrain_epochs, self.k = pretrain_epochs, k
        self.scratch = copy.deepcopy(self.net)  # same initial weights, never pretrained

    def parameter_counts(self) -> dict[str, int]:
        return super().parameter_counts() | {
            "params/total": sum(p.numel() for p in self.net.parameters()),
            "params/trainable": sum(p.numel() for p in self.net.parameters() if p.requires_grad),
        }

    @property
    def pretraining_epochs(self) -> int:
        return self.pretrain_epochs * len(self.net.rbms)

    def configure_optimizers(self):
        # One optimizer per RBM for pretraining, then the DBN's and the twin's for fine-tuning.
        return [
            self.optimizer_factory(module.parameters()) for module in [*self.net.rbms, self.net, self.scratch]
        ]

    def on_fit_start(self) -> None:
        max_epochs = self.trainer.max_epochs
        require(
            max_epochs is None or max_epochs > self.pretraining_epochs,
            "trainer.max_epochs",
            f"must exceed depth x model.task.pretrain_epochs = {self.pretraining_epochs} to leave epochs "
            f"for fine-tuning, got {max_epochs}",
        )

    def training_step(self, batch, batch_idx):
        x, y = batch
        optimizers = self.optimizers()
        if self.current_epoch < self.pretraining_epochs:
            layer = self.current_epoch // self.pretrain_epochs
            with torch.no_grad():
                data = self.net.layer_input(x, layer)
            rbm = self.net.rbms[layer]
            contrastive_divergence_step(rbm, data, data, self.k, optimizers[layer])
            with torch.no_grad():
                self.track("train", len(x), recon_error=(rbm.reconstruct(data) - data).pow(2).mean())
            return
        for net, optimizer, suffix in (
            (self.net, optimizers[-2], ""),
            (self.scratch, optimizers[-1], "_scratch"),
        ):
            loss = F.cross_entropy(net(x), y)
            optimizer.zero_grad()
            self.manual_backward(loss)
            optimizer.step()
            self.track("train", len(x), **{f"loss{suffix}": loss.detach()})

    def evaluate(self, batch, stage: str) -> None:
        x, y = batch
        for net, suffix in ((self.net, ""), (self.scratch, "_scratch")):
            logits = net(x)
            self.track(
                stage,
                len(x),
                **{
                    f"loss{suffix}": F.cross_entropy(logits, y),
                    f"acc{suffix}": (logits.argmax(1) == y).float().mean(),
                },
            )

"""Contrastive divergence (Hinton 2002) and persistent CD (Tieleman 2008) for restricted Boltzmann machines.

The log-likelihood gradient is a data term minus a model term. CD-k estimates the model term from ``k``
Gibbs steps started at the batch; persistent CD keeps ``n_chains`` fantasy chains running across updates
instead. The statistics are computed explicitly (no autograd) and handed to the configured optimizer as
gradients, so learning rate, momentum and weight decay stay config options. Reported: ``recon_error``
(mean squared error of the mean-field reconstruction, also ``loss``) and ``pseudo_likelihood`` (exact mean
log p(v_i | v_-i) per unit). At the end of fitting, Gibbs chains started from noise are saved as a PNG grid.
"""

from pathlib import Path

import torch

from dlr.errors import require
from dlr.nets.rbm import RBM
from dlr.tasks.pictures import save_samples
from dlr.tasks.rule_based import RuleTask


def contrastive_divergence_step(
    rbm: RBM, data: torch.Tensor, start: torch.Tensor, k: int, optimizer
) -> torch.Tensor:
    """One CD update of ``rbm`` on flat ``data``, chains from ``start``; returns the chains' new states."""
    model = rbm.gibbs(start, k)
    optimizer.zero_grad()
    for parameter, gradient in zip(rbm.parameters(), rbm.contrastive_gradients(data, model), strict=True):
        parameter.grad = gradient
    optimizer.step()
    return model


class ContrastiveDivergenceTask(RuleTask):
    metric_names = ("loss", "recon_error", "pseudo_likelihood")
    uses_optimizer = True

    def __init__(
        self,
        *args,
        k: int = 1,
        persistent: bool = False,
        n_chains: int = 64,
        sample_steps: int = 1000,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        require(k >= 1, "model.task.k", f"must be >= 1, got {k}")
        require(n_chains >= 1, "model.task.n_chains", f"must be >= 1, got {n_chains}")
        self.k, self.persistent, self.sample_steps = k, persistent, sample_steps
        # Fantasy particles of persistent CD: state, so they are saved and a resumed run continues them.
        self.register_buffer("chains", torch.bernoulli(torch.full((n_chains, self.net.weight.shape[0]), 0.5)))

    def training_step(self, batch, batch_idx):
        data = batch[0].flatten(1)
        start = self.chains if self.persistent else data
        model = contrastive_divergence_step(self.net, data, start, self.k, self.optimizers())
        if self.persistent:
            self.chains = model
        with torch.no_grad():
            self.track("train", len(data), recon_error=(self.net.reconstruct(data) - data).pow(2).mean())

    def evaluate(self, batch, stage: str) -> None:
        data = batch[0].flatten(1)
        error = (self.net.reconstruct(data) - data).pow(2).mean()
        self.track(
            stage,
            len(data),
            loss=error,
            recon_error=error,
            pseudo_likelihood=self.net.pseudo_log_likelihood(data).mean(),
        )

    def on_train_end(self) -> None:
        if self.sample_steps < 1:
            return
        generator_state = torch.get_rng_state()
        torch.manual_seed(0)  # the same noise every time, without disturbing the training RNG stream
        noise = torch.bernoulli(self.net.weight.new_full((64, self.net.weight.shape[0]), 0.5))
        samples = self.net.gibbs(noise, self.sample_steps)
        torch.set_rng_state(generator_state)
        shape = self.data_info.get("input_shape") or [samples.shape[1]]
        save_samples(samples.view(-1, *shape), Path(self.trainer.default_root_dir) / "gibbs_samples.png")

"""Variational autoencoding (vae, dcign): maximise the ELBO, E_q[log p(x|z)] - beta * KL(q(z|x) || p(z)).

``loss`` is the negative ELBO per sample in nats (Gaussian likelihood, noise variance set to its optimum);
``recon_mse`` is measured from the posterior mean in validation and test. At test time the run directory
gets reconstructions, samples from the prior, and a latent traversal: one row per latent dimension, that
dimension swept over ``[-traversal_range, traversal_range]`` with the others at a test input's posterior mean.
"""

import math

import torch
import torch.nn.functional as F

from dlr.errors import require
from dlr.tasks.stage_steps import StageSteps
from dlr.tasks.unsupervised import UnsupervisedTask


class VariationalTask(StageSteps, UnsupervisedTask):
    def __init__(
        self, *args, beta: float = 1.0, traversal_steps: int = 9, traversal_range: float = 3.0, **kwargs
    ):
        super().__init__(*args, metric_names=("loss", "recon_mse", "kl"), **kwargs)
        require(beta >= 0, "model.task.beta", f"must be >= 0, got {beta}")
        require(traversal_steps >= 2, "model.task.traversal_steps", f"must be >= 2, got {traversal_steps}")
        self.beta, self.traversal_steps, self.traversal_range = beta, traversal_steps, traversal_range
        self.examples: torch.Tensor | None = None
        self.traversal_origin: torch.Tensor | None = None

    def negative_elbo(
        self, x: torch.Tensor, mean: torch.Tensor, log_variance: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        """(loss, reconstruction from a posterior sample, KL), each averaged over the batch."""
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_variance)
        reconstruction = self.net.decode(z)
        squared_error = (reconstruction - x).pow(2).flatten(1).sum(1)
        dims = x[0].numel()
        # The decoder's noise variance at its optimum for this batch, the mean squared error ("optimal
        # sigma-VAE", Rybkin et al. 2021): the ELBO then weighs reconstruction against KL by itself on any
        # data range, where a fixed variance of 1 on [0, 1] pixels lets the KL win and the latents collapse.
        variance = (squared_error.mean() / dims).detach().clamp_min(1e-6)
        nll = 0.5 * squared_error / variance + 0.5 * dims * torch.log(2 * math.pi * variance)
        kl = -0.5 * (1 + log_variance - mean.pow(2) - log_variance.exp()).sum(1)
        return (nll + self.beta * kl).mean(), reconstruction, kl.mean()

    def _step(self, batch, stage: str) -> torch.Tensor:
        x = batch[0]
        mean, log_variance = self.net.encode(x)
        loss, reconstruction, kl = self.negative_elbo(x, mean, log_variance)
        if stage != "train":
            reconstruction = self.net.decode(mean)
        self.track(stage, len(x), loss=loss, recon_mse=F.mse_loss(reconstruction, x), kl=kl)
        if stage == "test" and self.examples is None:
            self.examples = torch.stack([x[:8], reconstruction[:8]]).flatten(0, 1)
            self.traversal_origin = mean[0]
        return loss

    def on_test_epoch_start(self):
        self.examples = None

    def latent_traversal(self, origin: torch.Tensor) -> torch.Tensor:
        """(latent_size * steps, ...) decodings: row i moves latent i, the others stay at ``origin``."""
        latent_size = origin.numel()
        values = torch.linspace(
            -self.traversal_range, self.traversal_range, self.traversal_steps, device=origin.device
        )
        codes = origin.repeat(latent_size, self.traversal_steps, 1)  # (latent, steps, latent)
        dims = torch.arange(latent_size, device=origin.device)
        codes[dims, :, dims] = values
        return self.net.decode(codes.flatten(0, 1))

    def on_test_epoch_end(self):
        with torch.no_grad():
            self.save_picture("reconstructions", self.examples, row_labels=["input", "reconstruction"])
            prior = torch.randn(64, self.net.latent_size, device=self.examples.device)
            self.save_picture("prior_samples", self.net.decode(prior))
            self.save_picture(
                "latent_traversal", self.latent_traversal(self.traversal_origin), nrow=self.traversal_steps
            )
        super().on_test_epoch_end()

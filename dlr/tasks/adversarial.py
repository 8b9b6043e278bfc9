"""Adversarial training (gan): two optimizers, manual optimization, a discriminator then a generator step.

The discriminator minimises binary cross-entropy on real versus generated samples; the generator minimises
the non-saturating loss ``-log D(G(z))``. Validation and test compare generated samples with held-out data:

- ``mmd``: squared maximum mean discrepancy (Gaussian kernel, median-distance bandwidth); also ``val/loss``.
- ``noise_mmd``: the same for the baseline of independent Gaussian features with the data's mean and std.
- ``diversity``: mean pairwise distance of generated samples over that of real ones; near 0 means collapse.
"""

import torch
import torch.nn.functional as F

from dlr.tasks.unsupervised import UnsupervisedTask

MAX_EVAL_SAMPLES = 512


def mean_pairwise_distance(x: torch.Tensor) -> torch.Tensor:
    distances = torch.cdist(x, x)
    return distances.sum() / (len(x) * (len(x) - 1))


def mmd(x: torch.Tensor, y: torch.Tensor, bandwidth: torch.Tensor) -> torch.Tensor:
    """Biased squared MMD between samples ``x`` and ``y`` (rows) with a Gaussian kernel."""

    def kernel(a, b):
        return torch.exp(-torch.cdist(a, b).pow(2) / (2 * bandwidth**2)).mean()

    return kernel(x, x) + kernel(y, y) - 2 * kernel(x, y)


def sample_quality(real: torch.Tensor, fake: torch.Tensor) -> dict[str, torch.Tensor]:
    real, fake = real.flatten(1), fake.flatten(1)
    noise = real.mean(0) + real.std(0) * torch.randn_like(real)
    bandwidth = torch.cdist(real, real).median().clamp_min(1e-6)
    real_spread = mean_pairwise_distance(real)
    return {
        "mmd": mmd(real, fake, bandwidth),
        "noise_mmd": mmd(real, noise, bandwidth),
        "diversity": mean_pairwise_distance(fake) / real_spread.clamp_min(1e-12),
    }


class AdversarialTask(UnsupervisedTask):
    def __init__(self, *args, **kwargs):
        names = ("d_loss", "g_loss", "d_accuracy", "loss", "mmd", "noise_mmd", "diversity")
        super().__init__(*args, metric_names=names, **kwargs)
        self.automatic_optimization = False
        self.real: list[torch.Tensor] = []

    def configure_optimizers(self):
        generator = self.optimizer_factory(self.net.generator.parameters())
        discriminator = self.optimizer_factory(self.net.discriminator.parameters())
        if self.scheduler_factory is None:
            return [generator, discriminator]
        return [generator, discriminator], [
            self.scheduler_factory(generator),
            self.scheduler_factory(discriminator),
        ]

    def training_step(self, batch, batch_idx):
        x = batch[0]
        generator_optimizer, discriminator_optimizer = self.optimizers()
        fake = self.net.sample(len(x))
        real_logits, fake_logits = self.net.discriminator(x), self.net.discriminator(fake.detach())
        d_loss = F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        discriminator_optimizer.zero_grad()
        self.manual_backward(d_loss)
        discriminator_optimizer.step()

        fooled_logits = self.net.discriminator(fake)
        g_loss = F.binary_cross_entropy_with_logits(fooled_logits, torch.ones_like(fooled_logits))
        generator_optimizer.zero_grad()
        self.manual_backward(g_loss)
        generator_optimizer.step()
        d_accuracy = torch.cat([real_logits > 0, fake_logits < 0]).float().mean()
        self.track("train", len(x), d_loss=d_loss, g_loss=g_loss, d_accuracy=d_accuracy)

    def _collect(self, batch) -> None:
        if sum(len(x) for x in self.real) < MAX_EVAL_SAMPLES:
            self.real.append(batch[0])

    def validation_step(self, batch, batch_idx):
        self._collect(batch)

    def test_step(self, batch, batch_idx):
        self._collect(batch)

    def _evaluate(self, stage: str) -> torch.Tensor:
        real = torch.cat(self.real)[:MAX_EVAL_SAMPLES]
        self.real = []
        with torch.no_grad():
            fake = self.net.sample(len(real))
        quality = sample_quality(real, fake)
        self.track(stage, 1, loss=quality["mmd"], **quality)
        return fake

    def on_validation_epoch_end(self):
        self._evaluate("val")
        super().on_validation_epoch_end()

    def on_test_epoch_end(self):
        fake = self._evaluate("test")
        self.save_picture("gan_samples", fake[:64])
        super().on_test_epoch_end()

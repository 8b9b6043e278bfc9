"""Autoencoding: reconstruct the input through a code (ae), from a corrupted input (dae), sparsely (sae).

``corruption`` damages training inputs only; validation and test additionally report ``denoise_mse``
(reconstructing clean inputs from corrupted ones) next to ``corrupted_mse`` (the damage itself, the
baseline a denoiser must beat). ``sparsity`` adds an L1 penalty or the KL divergence between a target
activation and each code unit's mean activation (the latter needs a code in (0, 1), e.g. a sigmoid code).
"""

import torch
import torch.nn.functional as F

from dlr.errors import require
from dlr.tasks.stage_steps import StageSteps
from dlr.tasks.unsupervised import UnsupervisedTask

CORRUPTIONS = ("none", "gaussian", "masking", "salt_pepper")
SPARSITY = ("none", "l1", "kl")


class ReconstructionTask(StageSteps, UnsupervisedTask):
    def __init__(
        self,
        *args,
        corruption: str = "none",
        corruption_level: float = 0.0,
        sparsity: str = "none",
        sparsity_weight: float = 0.0,
        sparsity_target: float = 0.05,
        **kwargs,
    ):
        require(
            corruption in CORRUPTIONS,
            "model.task.corruption",
            f"must be one of {', '.join(CORRUPTIONS)}, got {corruption!r}",
        )
        require(
            sparsity in SPARSITY,
            "model.task.sparsity",
            f"must be one of {', '.join(SPARSITY)}, got {sparsity!r}",
        )
        require(corruption_level >= 0, "model.task.corruption_level", f"must be >= 0, got {corruption_level}")
        require(
            corruption == "gaussian" or corruption_level <= 1,
            "model.task.corruption_level",
            f"is a probability for {corruption}, got {corruption_level}",
        )
        require(
            0 < sparsity_target < 1, "model.task.sparsity_target", f"must be in (0, 1), got {sparsity_target}"
        )
        names = ("loss", "recon_mse", "code_activity") + (
            ("denoise_mse", "corrupted_mse") if corruption != "none" else ()
        )
        super().__init__(*args, metric_names=names, **kwargs)
        self.corruption, self.corruption_level = corruption, corruption_level
        self.sparsity, self.sparsity_weight, self.sparsity_target = sparsity, sparsity_weight, sparsity_target
        self.examples: dict[str, torch.Tensor] = {}

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        if self.corruption == "gaussian":
            return x + self.corruption_level * torch.randn_like(x)
        hit = torch.rand_like(x) < self.corruption_level
        if self.corruption == "masking":
            return x.masked_fill(hit, 0.0)
        if self.corruption == "salt_pepper":
            salt = torch.where(torch.rand_like(x) < 0.5, x.min(), x.max())
            return torch.where(hit, salt, x)
        return x

    def sparsity_penalty(self, code: torch.Tensor) -> torch.Tensor:
        if self.sparsity == "l1":
            return code.abs().sum(1).mean()
        if self.sparsity == "kl":
            require(
                bool(code.min() >= 0 and code.max() <= 1),
                "model.task.sparsity",
                "kl needs a code in [0, 1]: set model.net.code_activation=sigmoid",
            )
            rate = code.mean(0).clamp(1e-6, 1 - 1e-6)
            target = self.sparsity_target
            return (
                target * torch.log(target / rate) + (1 - target) * torch.log((1 - target) / (1 - rate))
            ).sum()
        return code.new_zeros(())

    def _step(self, batch, stage: str) -> torch.Tensor:
        x = batch[0]
        code = self.net.encode(self.corrupt(x) if stage == "train" else x)
        reconstruction = self.net.decode(code)
        mse = F.mse_loss(reconstruction, x)
        loss = mse + self.sparsity_weight * self.sparsity_penalty(code) if self.sparsity != "none" else mse
        self.track(stage, len(x), loss=loss, recon_mse=mse, code_activity=code.abs().mean())
        shown = {"input": x, "reconstruction": reconstruction}
        if stage != "train" and self.corruption != "none":
            corrupted = self.corrupt(x)
            denoised = self.net(corrupted)
            self.track(
                stage, len(x), denoise_mse=F.mse_loss(denoised, x), corrupted_mse=F.mse_loss(corrupted, x)
            )
            shown.update(corrupted=corrupted, denoised=denoised)
        if stage == "test" and not self.examples:
            self.examples = {name: value[:8].detach() for name, value in shown.items()}
        return loss

    def on_test_epoch_start(self):
        self.examples = {}

    def on_test_epoch_end(self):
        # Rows: inputs, reconstructions, and for a denoiser the corrupted inputs and what it made of them.
        self.save_picture(
            "reconstructions",
            torch.cat(list(self.examples.values())),
            nrow=len(self.examples["input"]),
            row_labels=list(self.examples),
        )
        super().on_test_epoch_end()

"""Image augmentation (``augment=``): batched tensor ops for in-memory data, torchvision.transforms.v2 when streamed.

One distribution, two implementations. Each named config (conf/augment/) switches on some of:

- ``crop_padding``: zero-pad by that many pixels, crop back at a uniform offset (the CIFAR standard's 4);
- ``flip``: a horizontal flip with probability 1/2;
- ``cutout_size``: a square of that side, uniformly placed fully inside the image, set to 0 (DeVries and
  Taylor 2017), as ``v2.RandomErasing`` with a fixed square draws it;
- ``mixup_alpha``: one weight ``lam ~ Beta(alpha, alpha)`` per batch, each sample mixed with the one before
  it (the batch rolled by one) and the labels likewise, as ``v2.MixUp`` does; labels become class shares.

Inputs are normalised already, so a padded or erased pixel is the training set's mean colour. The batched
version draws every number from a CPU generator seeded by ``(seed, epoch, rank, batch)`` and copies them to the
batch's device: a resumed run draws the same ones, and the draws do not depend on the device.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from dlr.errors import require


@dataclass(frozen=True)
class Augmentation:
    name: str = "none"
    flip: bool = False
    crop_padding: int = 0
    cutout_size: int = 0
    mixup_alpha: float = 0.0

    @property
    def active(self) -> bool:
        return self.flip or self.crop_padding > 0 or self.cutout_size > 0 or self.mixup_alpha > 0

    def check(self, image_shape: tuple[int, ...]) -> None:
        """Refuse settings that cannot apply to ``(C, H, W)`` images, naming the key."""
        require(self.crop_padding >= 0, "augment.crop_padding", f"must be >= 0, got {self.crop_padding}")
        require(self.mixup_alpha >= 0, "augment.mixup_alpha", f"must be >= 0, got {self.mixup_alpha}")
        side = min(image_shape[1:])
        require(
            0 <= self.cutout_size < side,
            "augment.cutout_size",
            f"must be in [0, {side}) for {image_shape[1]}x{image_shape[2]} images, got {self.cutout_size}",
        )


def from_config(augment: dict | None) -> Augmentation:
    """The ``augment`` config node (or None) as an :class:`Augmentation`; unknown keys are refused."""
    options = dict(augment or {})
    known = set(Augmentation.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    require(not unknown, f"augment.{unknown[0] if unknown else ''}", f"is not an option; use {sorted(known)}")
    return Augmentation(**options)


def seed_of(*numbers: int) -> int:
    """A 63-bit seed mixed from ``numbers`` (seed, epoch, ...): nearby tuples give unrelated streams."""
    return int(np.random.SeedSequence(list(numbers)).generate_state(1, dtype=np.uint64)[0] >> 1)


# -- the batched operations, each equal to torchvision.transforms.v2.functional per sample -------------------
def crop_and_flip(x: torch.Tensor, padding: int, tops, lefts, flips) -> torch.Tensor:
    """Each image padded by ``padding`` zeros, cropped at ``(tops[i], lefts[i])`` and flipped where ``flips``."""
    n, channels, height, width = x.shape
    if padding > 0:
        padded = F.pad(x, (padding,) * 4)
        rows = (tops[:, None] + torch.arange(height, device=x.device)).view(n, 1, height, 1)
        x = padded.gather(2, rows.expand(n, channels, height, width + 2 * padding))
        cols = (lefts[:, None] + torch.arange(width, device=x.device)).view(n, 1, 1, width)
        x = x.gather(3, cols.expand(n, channels, height, width))
    if flips is not None:
        x = torch.where(flips.view(n, 1, 1, 1), x.flip(3), x)
    return x


def cutout(x: torch.Tensor, size: int, tops, lefts) -> torch.Tensor:
    """Each image with the ``size`` x ``size`` square at ``(tops[i], lefts[i])`` set to 0."""
    n, _, height, width = x.shape
    rows = torch.arange(height, device=x.device) - tops[:, None]
    cols = torch.arange(width, device=x.device) - lefts[:, None]
    inside = ((rows >= 0) & (rows < size)).view(n, 1, height, 1) & ((cols >= 0) & (cols < size)).view(
        n, 1, 1, width
    )
    return x.masked_fill(inside, 0.0)


def mixup(
    x: torch.Tensor, y: torch.Tensor, lam: float, num_classes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``lam`` of each sample plus ``1 - lam`` of the one before it, labels as class shares (v2.MixUp's order)."""
    shares = F.one_hot(y, num_classes).float() if y.dim() == 1 else y
    return x.roll(1, 0).mul_(1.0 - lam).add_(x.mul(lam)), shares.roll(1, 0).mul_(1.0 - lam).add_(
        shares.mul(lam)
    )


class BatchAugment:
    """The augmentation of a training batch on its own device, with draws seeded per batch (TensorLoader)."""

    def __init__(self, augmentation: Augmentation, num_classes: int | None, seed: int):
        self.augmentation, self.num_classes, self.seed = augmentation, num_classes, seed

    def draws(self, n: int, shape: tuple[int, ...], key: tuple[int, ...], device) -> dict:
        """Every random number one batch of ``n`` images of ``shape`` takes, from the batch's own stream."""
        aug, (_, height, width) = self.augmentation, shape
        # Drawn on the CPU (a few numbers per image), then copied: the same draws on every device.
        generator = torch.Generator().manual_seed(seed_of(self.seed, *key))

        def uniform_ints(high: int) -> torch.Tensor:
            return torch.randint(0, high, (n,), generator=generator).to(device, non_blocking=True)

        draws = {}
        if aug.crop_padding:
            draws["tops"], draws["lefts"] = (
                uniform_ints(2 * aug.crop_padding + 1),
                uniform_ints(2 * aug.crop_padding + 1),
            )
        if aug.flip:
            draws["flips"] = uniform_ints(2).bool()
        if aug.cutout_size:
            draws["cut_tops"] = uniform_ints(height - aug.cutout_size + 1)
            draws["cut_lefts"] = uniform_ints(width - aug.cutout_size + 1)
        if aug.mixup_alpha:
            draws["lam"] = float(
                np.random.default_rng(seed_of(self.seed, *key, 1)).beta(aug.mixup_alpha, aug.mixup_alpha)
            )
        return draws

    def apply(self, x: torch.Tensor, y: torch.Tensor, draws: dict) -> tuple[torch.Tensor, torch.Tensor]:
        aug = self.augmentation
        if aug.crop_padding or aug.flip:
            x = crop_and_flip(x, aug.crop_padding, draws.get("tops"), draws.get("lefts"), draws.get("flips"))
        if aug.cutout_size:
            x = cutout(x, aug.cutout_size, draws["cut_tops"], draws["cut_lefts"])
        if aug.mixup_alpha:
            x, y = mixup(x, y, draws["lam"], self.num_classes)
        return x, y

    def __call__(self, batch: tuple[torch.Tensor, torch.Tensor], key: tuple[int, ...]) -> tuple:
        x, y = batch
        return self.apply(x, y, self.draws(len(x), tuple(x.shape[1:]), key, x.device))


# -- the same, per sample, for streamed data ----------------------------------------------------------------
def sample_transform(augmentation: Augmentation, shape: tuple[int, ...]):
    """The per-image part as a ``torchvision.transforms.v2`` pipeline on ``(C, H, W)`` tensors, or None."""
    from torchvision.transforms import v2

    steps = []
    if augmentation.crop_padding:
        steps.append(v2.RandomCrop(list(shape[1:]), padding=augmentation.crop_padding, fill=0))
    if augmentation.flip:
        steps.append(v2.RandomHorizontalFlip())
    if augmentation.cutout_size:
        share = augmentation.cutout_size**2 / (shape[1] * shape[2])
        steps.append(v2.RandomErasing(p=1.0, scale=(share, share), ratio=(1.0, 1.0), value=0))
    return v2.Compose(steps) if steps else None


def batch_mixup(augmentation: Augmentation, num_classes: int | None):
    """``v2.MixUp`` for a collated batch, or None without mixup."""
    from torchvision.transforms import v2

    return (
        v2.MixUp(alpha=augmentation.mixup_alpha, num_classes=num_classes)
        if augmentation.mixup_alpha
        else None
    )

"""Feature preprocessing shared by the table datamodules: fitted on training rows only."""

import torch


def standardization(train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-column mean and scale of the training rows."""
    mean = train.mean(0, keepdim=True)
    std = train.std(0, keepdim=True)
    # A column constant in training (an always-blank pixel) is only centred: dividing by ~0 would blow up
    # any test row where it is not constant.
    return mean, torch.where(std > 1e-6, std, torch.ones_like(std))


def standardize(train: torch.Tensor, *others: torch.Tensor) -> list[torch.Tensor]:
    mean, std = standardization(train)
    return [(t - mean) / std for t in (train, *others)]


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded (train, test) index split; the test rows do not depend on the run's other settings."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = int(round(test_fraction * n))
    return order[n_test:], order[:n_test]

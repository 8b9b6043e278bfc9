"""Grinsztajn et al.'s (2022) three probes of why trees win, as transforms of an encoded table.

- ``add_uninformative``: append standard-normal columns (the numerical features are quantile-transformed
  to standard normals, so they look alike) that carry no information about the target.
- ``rotate``: multiply the numerical block by a random orthogonal matrix. An MLP is rotation invariant in
  law; a tree, which splits one feature at a time, is not. One-hot blocks are left as they are.
- ``smooth_target``: replace each training target by its Gaussian-kernel average over the training rows, so
  the function to learn gets smoother; the test targets stay as they are. Classes are smoothed one-hot
  vectors, then their argmax. The length scale is a multiple of the median distance between training rows.

Every transform is seeded and fitted on training rows only.
"""

import numpy as np
from scipy.stats import special_ortho_group

# Kernel rows computed at once: at most this many times n_train doubles in memory.
KERNEL_BLOCK_ROWS = 1024


def add_uninformative(x: np.ndarray, n_numerical: int, fraction: float, seed: int) -> tuple[np.ndarray, int]:
    """``round(fraction * n_features)`` noise columns after the numerical block; returns (x, their count)."""
    n_extra = int(round(fraction * x.shape[1]))
    noise = np.random.default_rng(seed).standard_normal((len(x), n_extra)).astype(x.dtype)
    return np.concatenate([x[:, :n_numerical], noise, x[:, n_numerical:]], axis=1), n_extra


def rotate(x: np.ndarray, n_numerical: int, seed: int) -> np.ndarray:
    """The numerical block times a random rotation (uniform on SO(n)); nothing to rotate below 2 columns."""
    if n_numerical < 2:
        return x
    rotation = special_ortho_group.rvs(n_numerical, random_state=seed).astype(x.dtype)
    return np.concatenate([x[:, :n_numerical] @ rotation, x[:, n_numerical:]], axis=1)


def _median_distance(x: np.ndarray, seed: int, sample: int = 1000) -> float:
    rows = x[np.random.default_rng(seed).choice(len(x), min(sample, len(x)), replace=False)]
    distances = np.sqrt(((rows[:, None, :] - rows[None, :, :]) ** 2).sum(-1))
    return float(np.median(distances[np.triu_indices(len(rows), 1)]))


def smooth_target(
    x: np.ndarray, y: np.ndarray, length_scale: float, n_classes: int | None, seed: int
) -> np.ndarray:
    """Kernel-smoothed training targets (same dtype as ``y``); ``length_scale`` in median distances."""
    width = length_scale * _median_distance(x, seed)
    values = np.eye(n_classes)[y] if n_classes else y[:, None].astype(np.float64)
    x = x.astype(np.float64)
    squared = (x**2).sum(1)
    smoothed = np.empty_like(values)
    for start in range(0, len(x), KERNEL_BLOCK_ROWS):
        block = x[start : start + KERNEL_BLOCK_ROWS]
        distances = (block**2).sum(1)[:, None] + squared[None, :] - 2 * block @ x.T
        weights = np.exp(-np.maximum(distances, 0) / (2 * width**2))
        smoothed[start : start + len(block)] = weights @ values / weights.sum(1, keepdims=True)
    return smoothed.argmax(1).astype(y.dtype) if n_classes else smoothed[:, 0].astype(y.dtype)

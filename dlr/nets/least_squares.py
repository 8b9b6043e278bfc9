"""Linear least squares through one SVD: min-norm, fixed ridge, or ridge tuned by GCV.

The fit is returned as a projector P (features x samples) with coefficients ``P @ Y``. The same P gives
the model's smoother weights, ``phi(x0)^T P``, which is what effective-parameter counts are made of.
"""

import torch

from dlr.errors import require


def _gcv_ridge(u: torch.Tensor, s: torch.Tensor, y: torch.Tensor, grid_size: int = 60) -> float:
    """The penalty minimizing GCV(l) = n ||(I - S_l) y||^2 / (n - tr S_l)^2 (Golub, Heath & Wahba 1979)."""
    n = y.shape[0]
    rotated = u.T @ y  # (r, K): targets in the singular basis
    outside = (y.square().sum() - rotated.square().sum()).clamp_min(0.0)  # the part no ridge fit can reach
    best, best_score = 0.0, float("inf")
    for penalty in s.max().square() * torch.logspace(-9, 2, grid_size, dtype=s.dtype, device=s.device):
        shrink = s.square() / (s.square() + penalty)
        residual = outside + ((1.0 - shrink)[:, None] * rotated).square().sum()
        score = float(n * residual / (n - shrink.sum()).square())
        if score < best_score:
            best, best_score = float(penalty), score
    return best


def least_squares_projector(
    features: torch.Tensor, targets: torch.Tensor, ridge: float | str = 0.0
) -> tuple[torch.Tensor, float]:
    """Return (P, penalty) with coefficients ``P @ targets`` minimizing ||Y - F W||^2 + penalty ||W||^2.

    ``ridge=0`` is the minimum-norm solution (the pseudo-inverse), ``"gcv"`` tunes the penalty.
    """
    require(ridge == "gcv" or float(ridge) >= 0.0, "model.net.ridge", f"must be >= 0 or 'gcv', got {ridge!r}")
    u, s, vh = torch.linalg.svd(features.double(), full_matrices=False)
    keep = s > s.max() * max(features.shape) * torch.finfo(s.dtype).eps  # numerical rank, as in pinv
    u, s, vh = u[:, keep], s[keep], vh[keep]
    penalty = _gcv_ridge(u, s, targets.double()) if ridge == "gcv" else float(ridge)
    gains = s / (s.square() + penalty)
    return vh.T @ (gains[:, None] * u.T), penalty

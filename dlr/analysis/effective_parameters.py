"""Effective parameters of a linear smoother (Curth, Jeffares & van der Schaar, NeurIPS 2023).

A model whose prediction is s(x0)^T y_train has p_hat = (n / |I0|) * sum_{x0 in I0} ||s(x0)||^2. On the
training inputs an interpolator gives p_train = n; on test inputs p_test measures how much the fit moves
with the training targets where it is actually used, and falls again beyond the interpolation threshold.
"""

import numpy as np
import torch


def effective_parameters(weights: torch.Tensor | np.ndarray) -> float:
    """p_hat from smoother weights of shape (|I0|, n): one row s(x0) per evaluation input."""
    weights = torch.as_tensor(weights, dtype=torch.float64)
    n_eval, n_train = weights.shape
    return float(n_train / n_eval * weights.square().sum())

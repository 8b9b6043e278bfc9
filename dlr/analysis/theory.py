"""Closed-form risk curves that reference experiments are checked against."""

import numpy as np


def min_norm_risk(gamma: np.ndarray, noise_var: float, signal_sq: float) -> np.ndarray:
    """Prediction risk of min-norm least squares on isotropic Gaussian data (Hastie et al. 2019, Thm 1-2).

    ``gamma = p/n``. Below the threshold the risk is pure variance, sigma^2 gamma/(1-gamma); above it the
    interpolator also loses signal: r^2 (1 - 1/gamma) + sigma^2/(gamma - 1). It diverges at gamma = 1.
    """
    gamma = np.asarray(gamma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        under = noise_var * gamma / (1.0 - gamma)
        over = signal_sq * (1.0 - 1.0 / gamma) + noise_var / (gamma - 1.0)
    return np.where(gamma < 1.0, under, np.where(gamma > 1.0, over, np.inf))


THEORIES = {"hastie_min_norm": min_norm_risk}

"""Linear regression fitted in closed form, on the raw inputs or on random Fourier features.

``FeatureRegression`` is y = W x (the linear model of Hastie et al. 2019); ``RandomFourierFeatures``
maps x through ``width`` fixed random features first (Rahimi & Recht 2007; Belkin et al. 2019), so
``width`` sweeps the parameter count through the interpolation threshold. Both are linear smoothers:
``fit`` solves least squares on the whole training set (min-norm or ridge) and ``smoother`` returns the
weights that each prediction puts on the training targets. Only the readout counts as parameters.
"""

import math

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.least_squares import least_squares_projector


class FeatureRegression(nn.Module):
    data_kinds = ("tabular", "signal", "image")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        ridge: float | str = 0.0,
        n_features: int | None = None,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        self.ridge = ridge
        n_features = n_features or math.prod(input_shape)
        self.head = nn.Linear(n_features, output_size, bias=False)
        self.projector: torch.Tensor | None = None  # set by fit(); maps training targets to coefficients
        self.penalty: float | None = None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, targets: torch.Tensor) -> None:
        """Least squares on all training rows at once; ``targets`` is (n, outputs)."""
        self.projector, self.penalty = least_squares_projector(self.features(x), targets, self.ridge)
        self.head.weight.copy_((self.projector @ targets.double()).T.to(self.head.weight.dtype))

    @torch.no_grad()
    def smoother(self, x: torch.Tensor) -> torch.Tensor:
        """(m, n) weights s(x0) with prediction(x0) = s(x0)^T y_train, one row per input."""
        require(self.projector is not None, "model", "smoother() needs fit() first")
        return self.features(x).double() @ self.projector


class RandomFourierFeatures(FeatureRegression):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        bandwidth: float = 5.0,
        ridge: float | str = 0.0,
        *,
        data_info: dict | None = None,
    ):
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(bandwidth > 0, "model.net.bandwidth", f"must be > 0, got {bandwidth}")
        super().__init__(input_shape, output_size, ridge=ridge, n_features=width)
        # Fixed, not trained: frequencies ~ N(0, I / bandwidth^2), phases ~ U[0, 2 pi) (Gaussian kernel).
        self.register_buffer("frequencies", torch.randn(math.prod(input_shape), width) / bandwidth)
        self.register_buffer("phases", 2 * math.pi * torch.rand(width))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        width = self.phases.numel()
        return math.sqrt(2.0 / width) * torch.cos(x.flatten(1) @ self.frequencies + self.phases)

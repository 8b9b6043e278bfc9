"""Isotropic Gaussian linear data: x ~ N(0, I_p), y = x^T beta + noise, ||beta|| = signal_norm.

The setting of Hastie, Montanari, Rosset & Tibshirani (2019). ``n_features`` is p; reference configs
set it to ``${width}`` so that sweeping width sweeps p through n. Test targets are noiseless by default,
so ``test/loss`` estimates the prediction risk E[(x0^T (beta_hat - beta))^2] that the theory describes.
"""

import math

import torch

from dlr.data.base import Split, TensorDataModule
from dlr.errors import require


class GaussianLinearDataModule(TensorDataModule):
    def __init__(
        self,
        n_features: int = 100,
        num_train: int = 200,
        num_test: int = 2000,
        noise_var: float = 0.25,
        signal_norm: float = 1.0,
        test_noise: bool = False,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(n_features >= 1, "data.n_features", f"must be >= 1, got {n_features}")
        require(
            num_train >= 1 and num_test >= 1,
            "data.num_train",
            f"num_train and num_test must be >= 1, got {num_train}, {num_test}",
        )
        require(noise_var >= 0, "data.noise_var", f"must be >= 0, got {noise_var}")
        self.n_features, self.num_train, self.num_test = n_features, num_train, num_test
        self.noise_var, self.signal_norm, self.test_noise = noise_var, signal_norm, test_noise
        self.dataset_seed = dataset_seed

    def load(self) -> tuple[Split, Split]:
        generator = torch.Generator().manual_seed(self.dataset_seed)
        beta = torch.randn(self.n_features, generator=generator)
        beta *= self.signal_norm / beta.norm()
        noise_std = math.sqrt(self.noise_var)

        def draw(n: int, noisy: bool) -> Split:
            x = torch.randn(n, self.n_features, generator=generator)
            noise = torch.randn(n, generator=generator) * noise_std if noisy else torch.zeros(n)
            return Split(x, x @ beta + noise)

        return draw(self.num_train, True), draw(self.num_test, self.test_noise)

    def describe(self) -> dict:
        return {**super().describe(), "noise_var": self.noise_var, "signal_norm": self.signal_norm}

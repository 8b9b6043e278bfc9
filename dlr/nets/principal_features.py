"""Random Fourier features read through their leading principal components (Curth, Jeffares & van der Schaar 2023).

Min-norm least squares on N > n random features is least squares on the n principal components of the
training feature matrix, so Belkin et al.'s RFF sweep mixes two axes: ``n_components`` (P_PC <= n: how many
principal directions the readout may use) and ``width`` (N = n + P_ex: how many raw features those
directions are computed from, P_ex being the excess over n). The readout has ``n_components`` weights per
output; the principal directions are fixed by the training inputs in ``fit``, like the random features.
"""

import torch

from dlr.errors import require
from dlr.nets.random_features import RandomFourierFeatures


class PrincipalComponentFeatures(RandomFourierFeatures):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 1000,
        n_components: int = 100,
        bandwidth: float = 5.0,
        ridge: float | str = 0.0,
        *,
        data_info: dict | None = None,
    ):
        require(
            1 <= n_components <= width,
            "model.net.n_components",
            f"must be in [1, width={width}], got {n_components}",
        )
        super().__init__(input_shape, output_size, width=width, bandwidth=bandwidth, ridge=ridge)
        self.head = torch.nn.Linear(n_components, output_size, bias=False)
        self.register_buffer("directions", torch.eye(width)[:, :n_components])

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return super().features(x) @ self.directions

    @torch.no_grad()
    def fit(self, x: torch.Tensor, targets: torch.Tensor) -> None:
        raw = super().features(x)
        # Right singular vectors of the training features, largest first; no centring, as min-norm has none.
        _, _, vh = torch.linalg.svd(raw.double(), full_matrices=False)
        available = vh.shape[0]
        require(
            self.head.in_features <= available,
            "model.net.n_components",
            f"must be <= min(n_train, width) = {available}, got {self.head.in_features}",
        )
        self.directions = vh[: self.head.in_features].T.to(raw.dtype)
        super().fit(x, targets)

"""Radial basis function network: ``width`` Gaussian units with learnable centres and widths, linear readout.

Unit j answers ``exp(-||x - c_j||^2 / (2 s_j^2))``. Random centres in a high-dimensional input are all about
equally far from every sample, so every unit would answer alike; instead the first training batch seeds the
centres with training samples (k-means style) and the widths with ``initial_width`` times the median
distance between those centres. A checkpoint restores the seeded state, so seeding happens once per model.
"""

import math

import torch
from torch import nn

from dlr.errors import require


class RBFNetwork(nn.Module):
    data_kinds = ("tabular", "signal", "image", "sequence")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        initial_width: float = 0.5,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(initial_width > 0, "model.net.initial_width", f"must be > 0, got {initial_width}")
        self.initial_width = initial_width
        self.centres = nn.Parameter(torch.randn(width, math.prod(input_shape)))
        self.log_widths = nn.Parameter(torch.zeros(width))
        self.readout = nn.Linear(width, output_size)
        self.register_buffer("seeded", torch.tensor(False))

    @torch.no_grad()
    def _seed_from(self, x: torch.Tensor) -> None:
        chosen = torch.randint(len(x), (len(self.centres),), device=x.device)
        # A little jitter separates centres drawn from the same sample when width exceeds the batch.
        self.centres.copy_(x[chosen] + 0.01 * torch.randn_like(self.centres))
        spread = torch.cdist(self.centres, self.centres).median().clamp_min(1e-3)
        self.log_widths.fill_(math.log(self.initial_width * spread.item()))
        self.seeded.fill_(True)

    def activations(self, x: torch.Tensor) -> torch.Tensor:
        """The Gaussian units' responses, shape (batch, width)."""
        x = x.flatten(1)
        if self.training and not self.seeded:
            self._seed_from(x)
        squared_distance = torch.cdist(x, self.centres).pow(2)
        return torch.exp(-squared_distance / (2 * torch.exp(2 * self.log_widths)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.activations(x))

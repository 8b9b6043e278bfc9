"""Self-organising map (Kohonen 1982): ``width`` prototypes on a 2-D grid of about sqrt(width) per side.

Each input is won by its best-matching unit (nearest prototype). The competitive rule that pulls the winner
and its grid neighbours towards the input lives in the task; the net holds the prototypes and the grid, and
measures the map: quantisation error (distance to the winner) and topographic error (share of inputs whose
two nearest prototypes are not grid neighbours).
"""

import math

import torch
from torch import nn

from dlr.errors import require


class SOM(nn.Module):
    data_kinds = ("tabular", "signal", "image", "binary")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        init_scale: float = 0.1,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 2, "width", f"must be >= 2 map units, got {width}")
        self.input_shape = tuple(input_shape)
        self.rows = max(1, round(math.sqrt(width)))
        self.cols = math.ceil(width / self.rows)
        self.prototypes = nn.Parameter(
            torch.randn(self.rows * self.cols, math.prod(input_shape)) * init_scale
        )
        grid = torch.cartesian_prod(torch.arange(self.rows), torch.arange(self.cols)).float()
        self.register_buffer("grid", grid, persistent=False)  # derived from rows and cols, not state

    def distances(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, units)`` Euclidean distances from each input to each prototype."""
        return torch.cdist(x.flatten(1), self.prototypes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The best-matching unit of each input."""
        return self.distances(x).argmin(1)

    def grid_distances(self, units: torch.Tensor) -> torch.Tensor:
        """``(batch, units)`` distances on the map from each given unit to every unit."""
        return torch.cdist(self.grid[units], self.grid)

    def quantisation_error(self, x: torch.Tensor) -> torch.Tensor:
        return self.distances(x).min(1).values.mean()

    def topographic_error(self, x: torch.Tensor) -> torch.Tensor:
        nearest = self.distances(x).topk(2, largest=False).indices
        gap = (self.grid[nearest[:, 0]] - self.grid[nearest[:, 1]]).abs().max(1).values
        return (gap > 1).float().mean()  # neighbours include diagonals

    def u_matrix(self) -> torch.Tensor:
        """``(rows, cols)`` mean prototype distance of each unit to its grid neighbours (ridges: borders)."""
        distances = torch.cdist(self.grid, self.grid)
        neighbours = (distances < 1.5) & (distances > 0)
        spread = torch.cdist(self.prototypes, self.prototypes)
        return ((spread * neighbours).sum(1) / neighbours.sum(1)).view(self.rows, self.cols)

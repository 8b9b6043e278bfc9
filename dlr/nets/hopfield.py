"""Hopfield network (Hopfield 1982): binary units, symmetric weights stored by Hebb's rule, recall by descent.

Patterns arrive as {0, 1} tensors and are stored as ±1 spins: ``W += s sᵀ / N`` with a zero diagonal.
Recall updates one unit at a time in random order (asynchronous dynamics, which never increase the energy
``-½ sᵀWs`` and so always settle) until a whole sweep changes nothing or ``max_sweeps`` is reached.
"""

import math

import torch
from torch import nn

from dlr.errors import require


def to_spins(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1) * 2 - 1


class Hopfield(nn.Module):
    data_kinds = ("binary",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        max_sweeps: int = 20,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(max_sweeps >= 1, "model.net.max_sweeps", f"must be >= 1, got {max_sweeps}")
        self.input_shape = tuple(input_shape)
        self.max_sweeps = max_sweeps
        n_units = math.prod(input_shape)
        self.weight = nn.Parameter(torch.zeros(n_units, n_units))

    @torch.no_grad()
    def reset(self) -> None:
        self.weight.zero_()

    @torch.no_grad()
    def store(self, patterns: torch.Tensor) -> None:
        """Hebb's rule for a batch of {0, 1} patterns."""
        spins = to_spins(patterns)
        self.weight += spins.T @ spins / spins.shape[1]
        self.weight.fill_diagonal_(0.0)

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        spins = to_spins(x)
        return -0.5 * ((spins @ self.weight) * spins).sum(1)

    @torch.no_grad()
    def recall(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Run the asynchronous dynamics from {0, 1} states ``x``; returns the settled {0, 1} states."""
        spins = to_spins(x).clone()
        for _ in range(self.max_sweeps):
            before = spins.clone()
            for unit in torch.randperm(spins.shape[1], generator=generator).tolist():
                field = spins @ self.weight[:, unit]
                spins[:, unit] = torch.where(field >= 0, 1.0, -1.0)
            if torch.equal(before, spins):
                break
        return ((spins + 1) / 2).view(len(x), *self.input_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.recall(x)

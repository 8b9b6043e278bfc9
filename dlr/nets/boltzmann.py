"""Fully connected Boltzmann machine (Ackley, Hinton & Sejnowski 1985) with exact statistics.

Binary units ``s = [v, h]`` (the data's visible bits and ``width`` hidden units), every pair coupled:
``E(s) = -Σ_{i<j} J_ij s_i s_j - bᵀs``. Small machines can enumerate all 2^n states, which makes the
partition function, the log-likelihood and both phases of the learning rule exact; the net refuses sizes
where that enumeration would not fit (``max_units``).
"""

import itertools
import math

import torch
from torch import nn

from dlr.errors import require


def all_states(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product((0.0, 1.0), repeat=n))) if n else torch.zeros(1, 0)


class BoltzmannMachine(nn.Module):
    data_kinds = ("binary",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 4,
        max_units: int = 20,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        self.n_visible = math.prod(input_shape)
        require(width >= 0, "width", f"must be >= 0 hidden units, got {width}")
        require(
            self.n_visible + width <= max_units,
            "width",
            f"the Boltzmann machine enumerates all 2^(visible + hidden) states, so visible "
            f"({self.n_visible}) + width must be <= model.net.max_units={max_units}; got width={width} "
            f"(try width={max(max_units - self.n_visible, 0)} or less)",
        )
        n_units = self.n_visible + width
        pairs = torch.triu_indices(n_units, n_units, offset=1)
        self.register_buffer("pairs", pairs, persistent=False)
        self.couplings = nn.Parameter(torch.randn(pairs.shape[1]) * 0.01)
        self.bias = nn.Parameter(torch.zeros(n_units))
        self.register_buffer("states", all_states(n_units), persistent=False)
        self.register_buffer("hidden_states", all_states(width), persistent=False)

    def coupling_matrix(self) -> torch.Tensor:
        n = len(self.bias)
        upper = self.couplings.new_zeros(n, n).index_put((self.pairs[0], self.pairs[1]), self.couplings)
        return upper + upper.T

    def negative_energy(self, s: torch.Tensor) -> torch.Tensor:
        """``-E(s)`` for states ``(..., n_units)``."""
        return 0.5 * ((s @ self.coupling_matrix()) * s).sum(-1) + s @ self.bias

    def completions(self, v: torch.Tensor) -> torch.Tensor:
        """``(batch, 2^hidden, n_units)``: each visible row joined with every hidden configuration."""
        v = v.flatten(1)
        hidden = self.hidden_states.expand(len(v), -1, -1)
        return torch.cat([v[:, None, :].expand(-1, hidden.shape[1], -1), hidden], dim=2)

    def log_partition(self) -> torch.Tensor:
        return torch.logsumexp(self.negative_energy(self.states), 0)

    def log_likelihood(self, v: torch.Tensor) -> torch.Tensor:
        """Exact ``log p(v)`` of each visible row, hidden units summed out."""
        return torch.logsumexp(self.negative_energy(self.completions(v)), 1) - self.log_partition()

    @torch.no_grad()
    def learning_gradients(self, v: torch.Tensor) -> list[torch.Tensor]:
        """Descent directions for (couplings, bias): free minus clamped ``<s_i s_j>`` and ``<s_i>``."""
        clamped = self.completions(v)
        posterior = torch.softmax(self.negative_energy(clamped), 1)  # p(h | v) for each row
        clamped_mean = (posterior[..., None] * clamped).sum(1)  # (batch, n_units)
        clamped_pairs = torch.einsum("bk,bki,bkj->ij", posterior, clamped, clamped) / len(v)
        free = torch.softmax(self.negative_energy(self.states), 0)
        free_pairs = torch.einsum("k,ki,kj->ij", free, self.states, self.states)
        i, j = self.pairs
        return [free_pairs[i, j] - clamped_pairs[i, j], free @ self.states - clamped_mean.mean(0)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_likelihood(x)

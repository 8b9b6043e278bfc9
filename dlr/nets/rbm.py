"""Restricted Boltzmann Machine (Smolensky 1986; Hinton 2002): binary units, no lateral links.

Energy ``E(v, h) = -vᵀWh - bᵀv - cᵀh``. With no visible-visible or hidden-hidden weights each layer is
conditionally independent given the other, so block Gibbs sampling is two matrix products. The free energy
``F(v) = -bᵀv - Σ softplus(vW + c)`` sums the hidden units out and gives unnormalised log-probabilities.
``forward`` returns the hidden probabilities: the features a deep belief network stacks on.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlr.errors import require


class RBM(nn.Module):
    data_kinds = ("binary",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        init_scale: float = 0.01,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        self.input_shape = tuple(input_shape)
        n_visible = math.prod(input_shape)
        self.weight = nn.Parameter(torch.randn(n_visible, width) * init_scale)
        self.visible_bias = nn.Parameter(torch.zeros(n_visible))
        self.hidden_bias = nn.Parameter(torch.zeros(width))

    def hidden_probs(self, v: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(v @ self.weight + self.hidden_bias)

    def visible_probs(self, h: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(h @ self.weight.T + self.visible_bias)

    @torch.no_grad()
    def gibbs(self, v: torch.Tensor, steps: int) -> torch.Tensor:
        """``steps`` rounds of v -> h -> v block Gibbs sampling from flat visible states ``v``."""
        for _ in range(steps):
            v = torch.bernoulli(self.visible_probs(torch.bernoulli(self.hidden_probs(v))))
        return v

    @torch.no_grad()
    def contrastive_gradients(self, data: torch.Tensor, model: torch.Tensor) -> list[torch.Tensor]:
        """Descent directions for (weight, visible_bias, hidden_bias): model minus data statistics.

        Hidden probabilities stand in for hidden samples in both phases (less variance, same expectation).
        """
        h_data, h_model = self.hidden_probs(data), self.hidden_probs(model)
        weight = model.T @ h_model / len(model) - data.T @ h_data / len(data)
        return [weight, model.mean(0) - data.mean(0), h_model.mean(0) - h_data.mean(0)]

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        return -v @ self.visible_bias - F.softplus(v @ self.weight + self.hidden_bias).sum(1)

    def reconstruct(self, v: torch.Tensor) -> torch.Tensor:
        """Mean-field reconstruction ``p(v | p(h | v))``."""
        return self.visible_probs(self.hidden_probs(v))

    def pseudo_log_likelihood(self, v: torch.Tensor) -> torch.Tensor:
        """Exact pseudo-log-likelihood per visible unit, ``mean_i log p(v_i | v_-i)``, for each row."""
        energy = self.free_energy(v)
        terms = []
        for i in range(v.shape[1]):
            flipped = v.clone()
            flipped[:, i] = 1 - flipped[:, i]
            terms.append(F.logsigmoid(self.free_energy(flipped) - energy))
        return torch.stack(terms, 1).mean(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.hidden_probs(x.flatten(1))

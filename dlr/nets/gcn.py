"""Graph convolutional network (Kipf & Welling 2017) in plain torch, on dense batched graphs.

Input: ``(batch, N, N + F)`` tensors whose first ``N`` columns are the adjacency with self-loops on real
nodes and whose rest are node features (the layout of :mod:`dlr.data.graphs`; a zero diagonal marks a
padding node). Each of ``depth`` layers computes ``act(D^-1/2 A D^-1/2 H W)`` with ``width`` units. The
output is one vector per node (node classification) or, after a mean over the real nodes, one per graph.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.layers import activation

LEVELS = ("node", "graph")


def normalized_adjacency(adjacency: torch.Tensor) -> torch.Tensor:
    """``D^-1/2 A D^-1/2`` per graph; padding nodes (degree 0) keep all-zero rows, never dividing by zero."""
    degree = adjacency.sum(-1)
    scale = degree.clamp_min(1e-12).rsqrt() * (degree > 0)
    return scale.unsqueeze(-1) * adjacency * scale.unsqueeze(-2)


class GCN(nn.Module):
    data_kinds = ("graph",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 32,
        depth: int = 2,
        activation_name: str = "relu",
        dropout: float = 0.0,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        n_nodes = input_shape[0]
        require(
            len(input_shape) == 2 and input_shape[1] > n_nodes,
            "model",
            f"gcn needs (N, N + F) graphs, got {tuple(input_shape)}",
        )
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(depth >= 1, "depth", f"must be >= 1 for gcn, got {depth}")
        require(0.0 <= dropout < 1.0, "model.net.dropout", f"must be in [0, 1), got {dropout}")
        self.level = (data_info or {}).get("prediction_level", "graph")
        require(
            self.level in LEVELS,
            "data",
            f"prediction_level must be one of {', '.join(LEVELS)}, got {self.level!r}",
        )
        self.n_nodes = n_nodes
        sizes = [input_shape[1] - n_nodes] + [width] * depth
        self.weights = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.activation = activation(activation_name)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        adjacency, hidden = x[..., : self.n_nodes], x[..., self.n_nodes :]
        propagate = normalized_adjacency(adjacency)
        for linear in self.weights:
            hidden = self.dropout(self.activation(propagate @ linear(hidden)))
        if self.level == "node":
            return self.head(hidden)  # (batch, N, outputs)
        real = (adjacency.diagonal(dim1=-2, dim2=-1) > 0).unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * real).sum(1) / real.sum(1).clamp_min(1.0)
        return self.head(pooled)  # (batch, outputs)

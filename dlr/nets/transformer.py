"""Self-attention encoder for sequences (the zoo's Attention Network): width = d_model, depth = layers.

Each step's features are embedded to ``width`` dimensions, positions are added (learned or sinusoidal),
pre-norm encoder layers attend over all steps, and the mean over steps feeds a linear head. Signals
``(channels, length)`` are read as ``length`` steps of ``channels`` features.
"""

import math

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.recurrent import as_steps, time_layout

POSITIONS = ("learned", "sinusoidal")


def sinusoidal_positions(length: int, width: int) -> torch.Tensor:
    """The fixed ``(length, width)`` sine/cosine table of Vaswani et al. (2017)."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10_000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency[: width // 2])
    return table


class TransformerNet(nn.Module):
    data_kinds = ("sequence", "signal")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 64,
        depth: int = 2,
        n_heads: int = 4,
        ff_multiplier: int = 2,
        dropout: float = 0.0,
        positions: str = "learned",
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        self.channels_first, length, features = time_layout(
            "transformer", input_shape, width, depth, data_info
        )
        require(n_heads >= 1, "model.net.n_heads", f"must be >= 1, got {n_heads}")
        require(
            positions in POSITIONS,
            "model.net.positions",
            f"must be one of {', '.join(POSITIONS)}, got {positions!r}",
        )
        self.embed = nn.Linear(features, width)
        if positions == "learned":
            self.positions = nn.Parameter(0.02 * torch.randn(length, width))
        else:
            self.register_buffer("positions", sinusoidal_positions(length, width), persistent=False)
        # Heads must divide width; the largest divisor of width up to n_heads keeps any width sweepable.
        heads = max(h for h in range(1, n_heads + 1) if width % h == 0)
        layer = nn.TransformerEncoderLayer(
            width,
            heads,
            dim_feedforward=ff_multiplier * width,
            dropout=dropout,
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = self.embed(as_steps(x, self.channels_first)) + self.positions
        return self.head(self.norm(self.encoder(steps)).mean(dim=1))

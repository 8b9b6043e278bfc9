"""1-D MLP-Mixer (Tolstikhin et al. 2021) for signals and sequences: attention-free, all MLPs.

The input is cut along time into patches of ``patch_size`` steps; each patch becomes a token of ``width``
channels. Each of ``depth`` blocks mixes across tokens (one MLP per channel, shared) and then across
channels (one MLP per token, shared), each pre-normed and residual. The tokens' mean feeds a linear head.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.recurrent import as_steps, time_layout


def two_layer_mlp(size: int, hidden: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(size, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, size))


class MixerBlock(nn.Module):
    def __init__(self, tokens: int, width: int, expansion: float, dropout: float):
        super().__init__()
        self.token_norm = nn.LayerNorm(width)
        self.token_mixing = two_layer_mlp(tokens, max(1, round(expansion * tokens)), dropout)
        self.channel_norm = nn.LayerNorm(width)
        self.channel_mixing = two_layer_mlp(width, max(1, round(expansion * width)), dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, tokens, width) -> the same shape."""
        x = x + self.token_mixing(self.token_norm(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mixing(self.channel_norm(x))


class Mixer1D(nn.Module):
    data_kinds = ("signal", "sequence")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 64,
        depth: int = 2,
        patch_size: int = 4,
        expansion: float = 2.0,
        dropout: float = 0.0,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(expansion > 0, "model.net.expansion", f"must be > 0, got {expansion}")
        self.channels_first, length, features = time_layout("mixer", input_shape, width, depth, data_info)
        require(
            patch_size >= 1 and length % patch_size == 0,
            "model.net.patch_size",
            f"must divide the {length} steps of the input, got {patch_size}",
        )
        self.patch_size = patch_size
        self.embed = nn.Linear(patch_size * features, width)
        self.blocks = nn.Sequential(
            *(MixerBlock(length // patch_size, width, expansion, dropout) for _ in range(depth))
        )
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = as_steps(x, self.channels_first)  # (batch, length, features)
        patches = steps.reshape(len(steps), -1, self.patch_size * steps.shape[-1])
        return self.head(self.norm(self.blocks(self.embed(patches))).mean(1))

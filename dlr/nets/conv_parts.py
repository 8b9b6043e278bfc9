"""Convolutional parts shared by generative and residual nets: 1-D signals (C, L), 2-D images (C, H, W).

``ConvEncoder`` maps an input to a feature vector with stride-2 convolutions; ``ConvDecoder`` is its mirror:
a code vector is projected to a small map and grown back to the input shape by transposed convolutions.
"""

import math
from types import SimpleNamespace

import torch
from torch import nn

from dlr.errors import require


def conv_ops(input_shape: tuple[int, ...]) -> SimpleNamespace:
    """The 1-D or 2-D layer classes that fit ``input_shape`` (signals are (C, L), images (C, H, W))."""
    require(
        len(input_shape) in (2, 3),
        "model",
        f"needs (C, L) signals or (C, H, W) images, got input shape {tuple(input_shape)}",
    )
    if len(input_shape) == 2:
        return SimpleNamespace(
            conv=nn.Conv1d, transpose=nn.ConvTranspose1d, norm=nn.BatchNorm1d, pool=nn.AdaptiveAvgPool1d
        )
    return SimpleNamespace(
        conv=nn.Conv2d, transpose=nn.ConvTranspose2d, norm=nn.BatchNorm2d, pool=nn.AdaptiveAvgPool2d
    )


def halvings(spatial: tuple[int, ...]) -> int:
    """How often every spatial size can be halved exactly while staying >= 2 (8 -> 2 steps, 40 -> 3 steps)."""
    steps = 0
    while all(size % 2 ** (steps + 1) == 0 and size // 2 ** (steps + 1) >= 2 for size in spatial):
        steps += 1
    return steps


class ConvEncoder(nn.Module):
    """Input -> ``out_features``: a 3-wide convolution, then one stride-2 convolution per exact halving."""

    def __init__(self, input_shape: tuple[int, ...], width: int, out_features: int):
        super().__init__()
        ops = conv_ops(input_shape)
        spatial = tuple(input_shape[1:])
        steps = halvings(spatial)
        layers: list[nn.Module] = [ops.conv(input_shape[0], width, 3, padding=1), nn.LeakyReLU(0.2)]
        for _ in range(steps):
            layers += [ops.conv(width, width, 4, stride=2, padding=1), ops.norm(width), nn.LeakyReLU(0.2)]
        smallest = math.prod(size // 2**steps for size in spatial)
        self.layers = nn.Sequential(*layers, nn.Flatten(), nn.Linear(width * smallest, out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class ConvDecoder(nn.Module):
    """``code_size`` -> a tensor of ``output_shape``: project to the smallest map, then double it per step."""

    def __init__(self, code_size: int, output_shape: tuple[int, ...], width: int):
        super().__init__()
        ops = conv_ops(output_shape)
        spatial = tuple(output_shape[1:])
        steps = halvings(spatial)
        smallest = tuple(size // 2**steps for size in spatial)
        layers: list[nn.Module] = [
            nn.Linear(code_size, width * math.prod(smallest)),
            nn.ReLU(),
            nn.Unflatten(1, (width, *smallest)),
        ]
        for _ in range(steps):  # kernel 4, stride 2, padding 1 doubles the size exactly
            layers += [ops.transpose(width, width, 4, stride=2, padding=1), ops.norm(width), nn.ReLU()]
        # Linear output: the data's range is the task's business (digits are in [0, 1], mnist1d is not).
        layers.append(ops.conv(width, output_shape[0], 3, padding=1))
        self.layers = nn.Sequential(*layers)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return self.layers(code)

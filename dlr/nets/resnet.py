"""dlr's own residual network, 1-D for signals (C, L) and 2-D for images (C, H, W).

Every block has ``width`` channels, so parameters grow as ``width**2`` and a ``width`` sweep varies capacity
alone. ``stages`` groups of ``depth`` blocks; each stage after the first halves the resolution while there is
resolution left to halve. timm's ImageNet ResNets stay available through ``model=timm``.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.conv_parts import conv_ops


class ResidualBlock(nn.Module):
    """``relu(x' + F(x))``, F two convolutions; x' is x, or a 1x1 projection when the stride shrinks x."""

    def __init__(self, ops, channels: int, stride: int, kernel_size: int, batch_norm: bool):
        super().__init__()
        norm = (lambda: ops.norm(channels)) if batch_norm else nn.Identity
        pad = kernel_size // 2
        self.body = nn.Sequential(
            ops.conv(channels, channels, kernel_size, stride=stride, padding=pad, bias=not batch_norm),
            norm(),
            nn.ReLU(),
            ops.conv(channels, channels, kernel_size, padding=pad, bias=not batch_norm),
            norm(),
        )
        self.shortcut = (
            nn.Identity()
            if stride == 1
            else nn.Sequential(ops.conv(channels, channels, 1, stride=stride, bias=False), norm())
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet(nn.Module):
    data_kinds = ("signal", "image")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 32,
        depth: int = 2,
        stages: int = 3,
        kernel_size: int = 3,
        batch_norm: bool = True,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        ops = conv_ops(input_shape)
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(depth >= 1, "depth", f"must be >= 1 for resnet, got {depth}")
        require(stages >= 1, "model.net.stages", f"must be >= 1, got {stages}")
        stem = [
            ops.conv(input_shape[0], width, kernel_size, padding=kernel_size // 2),
            ops.norm(width) if batch_norm else nn.Identity(),
            nn.ReLU(),
        ]
        blocks: list[nn.Module] = []
        size = min(input_shape[1:])
        for stage in range(stages):
            for block in range(depth):
                stride = 2 if stage > 0 and block == 0 and size >= 4 else 1
                size //= stride
                blocks.append(ResidualBlock(ops, width, stride, kernel_size, batch_norm))
        self.features = nn.Sequential(*stem, *blocks, ops.pool(1), nn.Flatten())
        self.head = nn.Linear(width, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

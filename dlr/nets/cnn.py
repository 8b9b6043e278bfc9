"""Deep convolutional network, 1-D for signals (C, L) and 2-D for images (C, H, W); ``width`` = channels."""

from torch import nn

from dlr.errors import require
from dlr.nets.layers import activation


class CNN(nn.Module):
    data_kinds = ("signal", "image")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 32,
        depth: int = 3,
        kernel_size: int = 3,
        activation_name: str = "relu",
        batch_norm: bool = True,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(
            len(input_shape) in (2, 3),
            "model",
            f"cnn needs (C, L) signals or (C, H, W) images, got input shape {tuple(input_shape)}",
        )
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(depth >= 1, "depth", f"must be >= 1 for cnn, got {depth}")
        dims = len(input_shape) - 1
        conv, norm, pool = (
            (nn.Conv1d, nn.BatchNorm1d, nn.MaxPool1d)
            if dims == 1
            else (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d)
        )
        channels, size = input_shape[0], min(input_shape[1:])
        blocks: list[nn.Module] = []
        for _ in range(depth):
            blocks += [conv(channels, width, kernel_size, padding=kernel_size // 2)]
            blocks += [norm(width)] if batch_norm else []
            blocks += [activation(activation_name)]
            if size >= 4:  # halve the resolution while there is resolution left to halve
                blocks.append(pool(2))
                size //= 2
            channels = width
        pooling = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)
        self.features = nn.Sequential(*blocks, pooling, nn.Flatten())
        self.head = nn.Linear(width, output_size)

    def forward(self, x):
        return self.head(self.features(x))

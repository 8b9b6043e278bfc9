"""Deep convolutional network, 1-D for signals (C, L) and 2-D for images (C, H, W); ``width`` = channels.

Two layouts: dlr's default (same-size convolutions, batch norm, max pooling, mean over positions before the
head) and, with ``downsample="stride"``, ``readout="flatten"``, ``batch_norm=False``, the MNIST-1D paper's
CNN (Greydanus 2020: convolutions of stride 2 and padding 1, their flattened output into a linear head).
"""

import torch
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
        kernel_size: int | list[int] = 3,
        activation_name: str = "relu",
        batch_norm: bool = True,
        downsample: str = "pool",
        readout: str = "mean",
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
        require(
            downsample in ("pool", "stride"),
            "model.net.downsample",
            f"must be pool or stride, got {downsample!r}",
        )
        require(
            readout in ("mean", "flatten"), "model.net.readout", f"must be mean or flatten, got {readout!r}"
        )
        kernels = [kernel_size] * depth if isinstance(kernel_size, int) else list(kernel_size)
        require(
            len(kernels) == depth,
            "model.net.kernel_size",
            f"needs one kernel size per layer (depth={depth}), got {kernels}",
        )
        dims = len(input_shape) - 1
        conv, norm, pool = (
            (nn.Conv1d, nn.BatchNorm1d, nn.MaxPool1d)
            if dims == 1
            else (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d)
        )
        channels, size = input_shape[0], min(input_shape[1:])
        blocks: list[nn.Module] = []
        for kernel in kernels:
            if downsample == "stride":  # the paper's layers: stride 2, padding 1 whatever the kernel
                blocks += [conv(channels, width, kernel, stride=2, padding=1)]
            else:
                blocks += [conv(channels, width, kernel, padding=kernel // 2)]
            blocks += [norm(width)] if batch_norm else []
            blocks += [activation(activation_name)]
            if downsample == "pool" and size >= 4:  # halve the resolution while there is resolution left
                blocks.append(pool(2))
                size //= 2
            channels = width
        if readout == "mean":
            blocks.append(nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1))
        self.features = nn.Sequential(*blocks, nn.Flatten())
        # The flattened size follows from the layers: measure it on one zero input, in eval mode so that
        # batch norm's running statistics stay untouched.
        with torch.no_grad():
            n_features = self.features.eval()(torch.zeros(1, *input_shape)).shape[1]
        self.features.train()
        self.head = nn.Linear(n_features, output_size)

    def forward(self, x):
        return self.head(self.features(x))

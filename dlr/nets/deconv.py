"""Deconvolutional network: transposed convolutions that generate an image (or signal) from a code vector.

Built from the data's shapes: it generates tensors of ``input_shape`` from a code of ``output_size`` entries,
which for labelled data is a one-hot class label ("draw a 3"). ``code_size`` replaces that with a free code.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.conv_parts import ConvDecoder


class Deconv(nn.Module):
    data_kinds = ("signal", "image")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 64,
        code_size: int | None = None,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        self.code_size = code_size or output_size
        self.decoder = ConvDecoder(self.code_size, tuple(input_shape), width)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(code)

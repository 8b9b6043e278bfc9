"""Single-layer perceptron: one linear map from the flattened input to a score per class, nothing hidden."""

import math

import torch
from torch import nn


class Perceptron(nn.Module):
    data_kinds = ("tabular", "signal", "image", "sequence")

    def __init__(self, input_shape: tuple[int, ...], output_size: int, *, data_info: dict | None = None):
        super().__init__()
        self.linear = nn.Linear(math.prod(input_shape), output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1))

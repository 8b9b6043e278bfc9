"""Extreme Learning Machine (Huang et al. 2006): a fixed random hidden layer and a linear readout.

The hidden weights are drawn once and never trained (``requires_grad=False``, so they count in
``params/total`` but not in ``params/trainable``); the readout is solved in closed form by the task.
"""

import math

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.layers import activation


class ELM(nn.Module):
    data_kinds = ("tabular", "signal", "image", "sequence")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 1000,
        activation_name: str = "tanh",
        input_scale: float = 1.0,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(input_scale > 0, "model.net.input_scale", f"must be > 0, got {input_scale}")
        n_inputs = math.prod(input_shape)
        # Scaled so each unit's pre-activation has variance input_scale^2 for unit-variance inputs.
        self.hidden_weight = nn.Parameter(
            torch.randn(n_inputs, width) * input_scale / math.sqrt(n_inputs), requires_grad=False
        )
        self.hidden_bias = nn.Parameter(torch.randn(width) * input_scale, requires_grad=False)
        self.nonlinearity = activation(activation_name)
        self.readout = nn.Linear(width, output_size)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinearity(x.flatten(1) @ self.hidden_weight + self.hidden_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))

"""Generative adversarial network: a generator from Gaussian noise to data, a discriminator of realness.

Both are MLPs of ``depth`` hidden layers of ``width`` units, so any data kind can be modelled; the generator
reshapes its output to ``input_shape``. Called on data, the net is its discriminator: one logit per sample.
"""

import math

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.mlp import MLP

OUTPUTS = {"none": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


class GAN(nn.Module):
    data_kinds = MLP.data_kinds  # built of MLPs

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        depth: int = 2,
        noise_size: int = 16,
        dropout: float = 0.0,
        activation_name: str = "relu",
        output_activation: str = "none",
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(noise_size >= 1, "model.net.noise_size", f"must be >= 1, got {noise_size}")
        require(
            output_activation in OUTPUTS,
            "model.net.output_activation",
            f"must be one of {', '.join(OUTPUTS)}, got {output_activation!r}",
        )
        self.noise_size = noise_size
        # Batch norm in the generator steadies the early game; `sigmoid` suits data in [0, 1] (digits).
        body = MLP(
            (noise_size,),
            math.prod(input_shape),
            width=width,
            depth=depth,
            activation_name=activation_name,
            norm="batch",
        )
        self.generator = nn.Sequential(
            body, OUTPUTS[output_activation](), nn.Unflatten(1, tuple(input_shape))
        )
        # Dropout in the discriminator only: it keeps it from memorising the few real samples.
        self.discriminator = MLP(
            tuple(input_shape), 1, width=width, depth=depth, activation_name=activation_name, dropout=dropout
        )

    def sample(self, n: int) -> torch.Tensor:
        device = next(self.parameters()).device
        return self.generator(torch.randn(n, self.noise_size, device=device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The discriminator's realness logit for data ``x``, shape (batch, 1)."""
        return self.discriminator(x)

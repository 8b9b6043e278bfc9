"""Deep feed-forward network: ``depth`` hidden layers of ``width`` units on the flattened input.

``depth=0`` leaves one linear layer, i.e. logistic regression under cross-entropy (conf/model/logistic.yaml).
"""

import math

from torch import nn

from dlr.errors import require
from dlr.nets.layers import activation

NORMS = {None: None, "batch": nn.BatchNorm1d, "layer": nn.LayerNorm}


class MLP(nn.Module):
    data_kinds = ("tabular", "signal", "image", "sequence")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        depth: int = 2,
        activation_name: str = "relu",
        dropout: float = 0.0,
        norm: str | None = None,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(depth >= 0, "depth", f"must be >= 0, got {depth}")
        require(norm in NORMS, "model.net.norm", f"must be one of null, batch, layer; got {norm!r}")
        require(0.0 <= dropout < 1.0, "model.net.dropout", f"must be in [0, 1), got {dropout}")
        layers: list[nn.Module] = [nn.Flatten()]
        features = math.prod(input_shape)
        for _ in range(depth):
            layers.append(nn.Linear(features, width))
            if norm is not None:
                layers.append(NORMS[norm](width))
            layers.append(activation(activation_name))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            features = width
        layers.append(nn.Linear(features, output_size))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)

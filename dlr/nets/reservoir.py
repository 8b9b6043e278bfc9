"""What reservoir nets (ESN, LSM) share: ``width`` fixed random units driven by (time, features) inputs
through fixed random weights, and a linear readout of their ``features``, the only part that learns."""

import torch
from torch import nn

from dlr.errors import require


def frozen(values: torch.Tensor) -> nn.Parameter:
    # Saved with the net (the readout means nothing without the reservoir it was solved for), never trained.
    return nn.Parameter(values, requires_grad=False)


class Reservoir(nn.Module):
    data_kinds = ("sequence",)

    def __init__(self, input_shape: tuple[int, ...], width: int, connectivity: float, samples: str):
        """``samples`` names what one input is (windows, sequences) in the shape check's message."""
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(
            len(input_shape) == 2,
            "data",
            f"the {type(self).__name__} reads (time, features) {samples}, got input shape {input_shape}",
        )
        require(0 < connectivity <= 1, "model.net.connectivity", f"must be in (0, 1], got {connectivity}")

    def set_reservoir(self, recurrent: torch.Tensor, input_weight: torch.Tensor, bias: torch.Tensor) -> None:
        self.recurrent = frozen(recurrent)
        self.input_weight = frozen(input_weight)
        self.bias = frozen(bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))

"""A stacked LSTM emitting one output per input step: the baseline memory-augmented nets are compared with."""

import torch
from torch import nn

from dlr.errors import require


class LSTMSeq2Seq(nn.Module):
    data_kinds = ("sequence_to_sequence",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        layers: int = 1,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(layers >= 1, "model.net.layers", f"must be >= 1, got {layers}")
        self.lstm = nn.LSTM(input_shape[-1], width, layers, batch_first=True)
        self.readout = nn.Linear(width, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, features) -> (B, T, output_size) logits."""
        return self.readout(self.lstm(x)[0])

"""Convolutional LSTM (Shi et al. 2015) predicting next frames: width = hidden channels, depth = layers.

Input videos are ``(T, C, H, W)``. At every step the stacked cells read one frame, and a 1x1 convolution of
the top hidden state predicts the change to the next frame, so the output tensor is the predicted frames,
``(T, C, H, W)``. The change starts at zero (a zero-initialised readout): training begins at the
copy-last-frame baseline and only has to learn motion, which makes learning fast.
"""

import torch
from torch import nn

from dlr.errors import require


class ConvLSTMCell(nn.Module):
    """An LSTM whose gates are convolutions over the frame and the hidden map, so the state stays a map."""

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int):
        super().__init__()
        self.gates = nn.Conv2d(
            in_channels + hidden_channels, 4 * hidden_channels, kernel_size, padding=kernel_size // 2
        )

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden, cell = state
        input_gate, forget_gate, output_gate, candidate = self.gates(torch.cat([x, hidden], dim=1)).chunk(
            4, dim=1
        )
        cell = torch.sigmoid(forget_gate) * cell + torch.sigmoid(input_gate) * torch.tanh(candidate)
        return torch.sigmoid(output_gate) * torch.tanh(cell), cell


class ConvLSTM(nn.Module):
    data_kinds = ("video",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 16,
        depth: int = 1,
        kernel_size: int = 5,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(
            len(input_shape) == 4,
            "model",
            f"convlstm needs (T, C, H, W) videos, got input shape {tuple(input_shape)}",
        )
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(depth >= 1, "depth", f"must be >= 1 for convlstm, got {depth}")
        require(
            kernel_size % 2 == 1, "model.net.kernel_size", f"must be odd (same-size maps), got {kernel_size}"
        )
        channels = input_shape[1]
        self.width = width
        self.cells = nn.ModuleList(
            ConvLSTMCell(channels if i == 0 else width, width, kernel_size) for i in range(depth)
        )
        self.readout = nn.Conv2d(width, channels, kernel_size=1)
        nn.init.zeros_(self.readout.weight)
        nn.init.zeros_(self.readout.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, _, height, width = x.shape
        zeros = x.new_zeros(batch, self.width, height, width)
        states = [(zeros, zeros)] * len(self.cells)
        predictions = []
        for t in range(steps):
            features = x[:, t]
            for layer, cell in enumerate(self.cells):
                states[layer] = cell(features, states[layer])
                features = states[layer][0]
            predictions.append(x[:, t] + self.readout(features))
        return torch.stack(predictions, dim=1)

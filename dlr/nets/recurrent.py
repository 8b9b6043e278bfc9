"""Recurrent networks (the zoo's RNN, LSTM and GRU): ``depth`` stacked layers of ``width`` hidden units.

The whole sequence is read; ``readout: last`` maps the top layer's last hidden state to the outputs (class
scores or regression targets), ``readout: all_states`` maps all of its states, concatenated, as the
MNIST-1D paper's GRU does (Greydanus 2020: 6 bidirectional units, 40 x 12 states into one linear layer). Sequences arrive as ``(steps, features)``; signals ``(channels, length)`` are read
as ``length`` steps of ``channels`` features.
"""

import torch
from torch import nn

from dlr.errors import require

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
READOUTS = ("last", "all_states")


def as_steps(x: torch.Tensor, channels_first: bool) -> torch.Tensor:
    """``(batch, steps, features)`` from a sequence batch or from a ``(batch, channels, length)`` signal."""
    return x.transpose(1, 2) if channels_first else x


def time_layout(
    name: str, input_shape: tuple[int, ...], width: int, depth: int, data_info: dict | None
) -> tuple[bool, int, int]:
    """The checks of a net that runs along time (RNNs, transformer, mixer) and how it reads its input:
    (channels_first, steps, features). A signal is (channels, length), a sequence (steps, features)."""
    require(
        len(input_shape) == 2,
        "model",
        f"{name} needs (steps, features) inputs, got input shape {tuple(input_shape)}",
    )
    require(width >= 1, "width", f"must be >= 1, got {width}")
    require(depth >= 1, "depth", f"must be >= 1 for {name}, got {depth}")
    channels_first = (data_info or {}).get("data_kind") == "signal"
    steps, features = input_shape[::-1] if channels_first else input_shape
    return channels_first, steps, features


class RecurrentNet(nn.Module):
    data_kinds = ("sequence", "signal")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 64,
        depth: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
        bidirectional: bool = False,
        readout: str = "last",
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(cell in CELLS, "model.net.cell", f"must be one of {', '.join(CELLS)}, got {cell!r}")
        self.channels_first, steps, features = time_layout(cell, input_shape, width, depth, data_info)
        require(0.0 <= dropout < 1.0, "model.net.dropout", f"must be in [0, 1), got {dropout}")
        readouts = ", ".join(READOUTS)
        require(readout in READOUTS, "model.net.readout", f"must be one of {readouts}, got {readout!r}")
        self.readout = readout
        # torch applies dropout between stacked layers only, so it is meaningless (and warns) for one layer.
        self.recurrent = CELLS[cell](
            features,
            width,
            num_layers=depth,
            batch_first=True,
            dropout=dropout if depth > 1 else 0.0,
            bidirectional=bidirectional,
        )
        state_size = width * (2 if bidirectional else 1)
        self.head = nn.Linear(state_size * (steps if readout == "all_states" else 1), output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.recurrent(as_steps(x, self.channels_first))
        if self.readout == "all_states":
            return self.head(states.flatten(1))
        # For a bidirectional net, the backward direction's summary of the sequence sits at step 0.
        if self.recurrent.bidirectional:
            width = self.recurrent.hidden_size
            return self.head(torch.cat([states[:, -1, :width], states[:, 0, width:]], dim=-1))
        return self.head(states[:, -1])

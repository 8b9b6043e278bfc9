"""Echo State Network (Jaeger 2001): a fixed random leaky reservoir and a linear readout of its state.

The reservoir is a sparse random matrix rescaled to a chosen spectral radius (below 1 gives the echo
state property: the state forgets its start), driven by the input through fixed random weights scaled by
``input_scaling``. Each sample is a window of inputs ``(time, features)``; the state after the window's last
step, next to that last input, is what the readout sees. Only the readout is learned (in closed form).
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.reservoir import Reservoir


class ESN(Reservoir):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 200,
        spectral_radius: float = 0.9,
        leak_rate: float = 0.5,
        input_scaling: float = 1.0,
        connectivity: float = 0.1,
        *,
        data_info: dict | None = None,
    ):
        super().__init__(input_shape, width, connectivity, "windows")
        require(spectral_radius > 0, "model.net.spectral_radius", f"must be > 0, got {spectral_radius}")
        require(0 < leak_rate <= 1, "model.net.leak_rate", f"must be in (0, 1], got {leak_rate}")
        self.leak_rate = leak_rate
        n_features = input_shape[1]
        recurrent = torch.randn(width, width) * (torch.rand(width, width) < connectivity)
        radius = torch.linalg.eigvals(recurrent).abs().max().clamp_min(1e-8)
        self.set_reservoir(
            recurrent * spectral_radius / radius,
            (2 * torch.rand(n_features, width) - 1) * input_scaling,
            (2 * torch.rand(width) - 1) * 0.1,
        )
        self.readout = nn.Linear(width + n_features, output_size)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        state = x.new_zeros(len(x), self.recurrent.shape[0])
        drive = x @ self.input_weight + self.bias  # (batch, time, width), all input terms at once
        for t in range(x.shape[1]):
            update = torch.tanh(drive[:, t] + state @ self.recurrent)
            state = (1 - self.leak_rate) * state + self.leak_rate * update
        return torch.cat([state, x[:, -1]], dim=1)

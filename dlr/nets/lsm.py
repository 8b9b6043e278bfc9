"""Liquid State Machine (Maass, Natschläger & Markram 2002): a spiking reservoir of LIF neurons.

``width`` LIF neurons (80% excitatory, 20% inhibitory, sparse random synapses) are driven by the input
sequence through fixed random weights; each input step is held for ``substeps`` simulation steps. A unit's
membrane ``v`` leaks towards its input current with time constant ``tau`` and fires when ``v`` crosses 1,
then resets to 0. The readout sees each unit's spike count in ``n_bins`` equal time bins: a fixed, nonlinear,
fading-memory code of the input history. Only the readout is learned (in closed form, by the task).
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.reservoir import Reservoir


class LSM(Reservoir):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 200,
        n_bins: int = 8,
        substeps: int = 4,
        tau: float = 4.0,
        input_scaling: float = 1.5,
        recurrent_scaling: float = 0.3,
        connectivity: float = 0.1,
        bias_current: float = 0.8,
        *,
        data_info: dict | None = None,
    ):
        super().__init__(input_shape, width, connectivity, "sequences")
        require(
            1 <= n_bins <= input_shape[0] * substeps,
            "model.net.n_bins",
            f"must be in [1, time x substeps], got {n_bins}",
        )
        require(
            substeps >= 1 and tau >= 1,
            "model.net.tau",
            f"substeps and tau must be >= 1, got {substeps}, {tau}",
        )
        self.n_bins, self.substeps, self.decay = n_bins, substeps, 1.0 / tau
        # Dale's law: a unit's outgoing synapses all share its sign.
        sign = torch.where(
            torch.rand(width) < 0.8, 1.0, -4.0
        )  # inhibition stronger, to balance the 4:1 count
        synapses = torch.rand(width, width) * (torch.rand(width, width) < connectivity) * sign[:, None]
        self.set_reservoir(
            synapses * recurrent_scaling / (connectivity * width) ** 0.5,
            torch.randn(input_shape[1], width) * input_scaling,
            bias_current + 0.2 * torch.randn(width),
        )
        self.readout = nn.Linear(width * n_bins, output_size)

    def spikes(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, time x substeps, width)`` spike trains (0/1) of the liquid driven by ``x``."""
        drive = (x @ self.input_weight + self.bias).repeat_interleave(self.substeps, dim=1)
        v = x.new_zeros(len(x), self.recurrent.shape[0])
        spiked = torch.zeros_like(v)
        trains = []
        for t in range(drive.shape[1]):
            current = drive[:, t] + spiked @ self.recurrent
            v = v + self.decay * (current - v)
            spiked = (v >= 1.0).float()
            v = v * (1 - spiked)  # reset after a spike
            trains.append(spiked)
        return torch.stack(trains, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        counts = [chunk.sum(1) for chunk in self.spikes(x).tensor_split(self.n_bins, dim=1)]
        return torch.stack(counts, 1).flatten(1)

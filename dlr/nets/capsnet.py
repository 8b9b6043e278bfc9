"""Capsule network (Sabour, Frosst & Hinton 2017) with dynamic routing, for signals and images.

A convolution feeds primary capsules (vectors of ``primary_size`` numbers from a stride-2 convolution);
each predicts every class capsule through its own matrix, and routing-by-agreement decides how much each
prediction counts. The output is the length of each class capsule, in [0, 1): the class's presence.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.conv_parts import conv_ops


def squash(s: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Keep a vector's direction, map its length to ``|s|^2 / (1 + |s|^2)``."""
    squared = s.pow(2).sum(dim, keepdim=True)
    return squared / (1 + squared) * s / torch.sqrt(squared + 1e-8)


class CapsNet(nn.Module):
    data_kinds = ("signal", "image")

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 64,
        primary_size: int = 8,
        class_size: int = 16,
        routing_iterations: int = 3,
        kernel_size: int = 3,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        ops = conv_ops(input_shape)
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(
            routing_iterations >= 1, "model.net.routing_iterations", f"must be >= 1, got {routing_iterations}"
        )
        self.primary_size, self.routing_iterations = primary_size, routing_iterations
        pad = kernel_size // 2
        self.stem = nn.Sequential(ops.conv(input_shape[0], width, kernel_size, padding=pad), nn.ReLU())
        maps = max(1, width // primary_size)  # capsule maps: width // primary_size, at least one
        self.primary = ops.conv(width, maps * primary_size, kernel_size, stride=2, padding=pad)
        with torch.no_grad():
            n_primary = self._primary_capsules(torch.zeros(1, *input_shape)).shape[1]
        self.transforms = nn.Parameter(0.05 * torch.randn(n_primary, output_size, class_size, primary_size))

    def _primary_capsules(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, n_capsules, primary_size): every position of every capsule map is one capsule."""
        maps = self.primary(self.stem(x))
        batch = maps.shape[0]
        capsules = maps.view(batch, -1, self.primary_size, maps[0, 0].numel()).transpose(2, 3)
        return squash(capsules.reshape(batch, -1, self.primary_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self._primary_capsules(x)
        # (batch, primary, class, class_size): every primary capsule predicts every class capsule.
        predictions = torch.einsum("ncdp,bnp->bncd", self.transforms, u)
        logits = torch.zeros(predictions.shape[:3], device=x.device)
        for iteration in range(self.routing_iterations):
            coupling = logits.softmax(dim=2)  # each primary capsule shares its vote among the classes
            classes = squash((coupling.unsqueeze(-1) * predictions).sum(1))
            if iteration < self.routing_iterations - 1:
                # Agreement raises the coupling; no gradient here: routing is inference, not a weight.
                logits = logits + (predictions.detach() * classes.detach().unsqueeze(1)).sum(-1)
        return classes.norm(dim=-1)

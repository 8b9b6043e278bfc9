"""Deep Belief Network (Hinton, Osindero & Teh 2006): stacked RBMs read as a sigmoid net, plus a classifier.

Layer ``i`` is an RBM whose visible units are the hidden probabilities of layer ``i - 1``. Pretrained
greedily, bottom up, each RBM models the layer below; then the stack, read upward through its hidden
probabilities, is a sigmoid feed-forward net with a linear head for fine-tuning by backprop.
"""

import math

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.rbm import RBM


class DBN(nn.Module):
    data_kinds = ("binary",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        depth: int = 2,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(width >= 1, "width", f"must be >= 1, got {width}")
        require(depth >= 1, "depth", f"must be >= 1, got {depth}")
        sizes = [math.prod(input_shape)] + [width] * depth
        self.rbms = nn.ModuleList(
            RBM((n_in,), output_size, width=n_out) for n_in, n_out in zip(sizes, sizes[1:], strict=False)
        )
        self.head = nn.Linear(width, output_size)

    def layer_input(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """What RBM ``layer`` sees: the input propagated (mean-field) through the RBMs below it."""
        h = x.flatten(1)
        for rbm in self.rbms[:layer]:
            h = rbm.hidden_probs(h)
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.layer_input(x, len(self.rbms)))

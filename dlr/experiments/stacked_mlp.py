"""Many MLPs of one depth as one module: each layer's weights stacked on a leading member axis.

Members of different widths are padded to the widest member of their bucket. The padded rows and columns
start at zero and their gradients are masked to zero, so they stay exactly zero through SGD (momentum,
weight decay) and Adam/AdamW (moments, decoupled decay): each member computes what it would alone.
A batched matmul (``baddbmm``) over the member axis runs all members in one kernel call per layer; it is
faster on CPU than ``torch.func.vmap`` over ``functional_call`` for these small layers.
"""

from collections.abc import Callable

import torch
from torch import nn

from dlr.nets.mlp import MLP


def linear_layers(net: MLP) -> list[nn.Linear]:
    return [layer for layer in net.layers if isinstance(layer, nn.Linear)]


def member_flops(net: MLP) -> int:
    """Multiply-adds of one sample's forward, backward and weight gradient: 6 per weight."""
    return sum(6 * layer.in_features * layer.out_features for layer in linear_layers(net))


class StackedLinear(torch.autograd.Function):
    """``baddbmm(bias, x, weight^T)`` whose backward multiplies as nn.Linear's does, bit for bit.

    For a weight stored (out, in), Linear's backward computes the weight gradient as ``grad^T @ x`` in
    that layout; baddbmm's own backward computes ``(x^T @ grad)^T``, which rounds differently.
    """

    @staticmethod
    def forward(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    @staticmethod
    def setup_context(ctx, inputs: tuple, output: torch.Tensor) -> None:
        x, weight, _ = inputs
        ctx.save_for_backward(x, weight)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        grad_x = grad.bmm(weight) if ctx.needs_input_grad[0] else None
        return grad_x, grad.transpose(1, 2).bmm(x), grad.sum(1)


class StackedMLP(nn.Module):
    def __init__(self, nets: list[MLP]):
        super().__init__()
        shapes = [[(layer.out_features, layer.in_features) for layer in linear_layers(net)] for net in nets]
        # The activation is the one non-linear, non-flatten module type of the (identical) nets.
        self.activation = (
            next(layer for layer in nets[0].layers if not isinstance(layer, nn.Linear | nn.Flatten))
            if len(shapes[0]) > 1
            else nn.Identity()
        )
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.real_flops = sum(member_flops(net) for net in nets)
        self.padded_flops = 0
        for index in range(len(shapes[0])):
            out_max = max(member[index][0] for member in shapes)
            in_max = max(member[index][1] for member in shapes)
            # Stored (members, out, in) as nn.Linear stores it: baddbmm on its transposed view then
            # rounds bit for bit as the solo run's F.linear does; an (in, out) copy does not (10 outputs).
            weight, bias = torch.zeros(len(nets), out_max, in_max), torch.zeros(len(nets), out_max)
            # Masks from the real shapes, not from `!= 0`: an initial weight may be exactly zero.
            weight_mask, bias_mask = torch.zeros_like(weight), torch.zeros_like(bias)
            for member, net in enumerate(nets):
                layer = linear_layers(net)[index]
                rows, columns = slice(0, layer.out_features), slice(0, layer.in_features)
                weight[member, rows, columns] = layer.weight.detach()
                bias[member, rows] = layer.bias.detach()
                weight_mask[member, rows, columns] = 1
                bias_mask[member, rows] = 1
            self.weights.append(nn.Parameter(weight))
            self.biases.append(nn.Parameter(bias))
            self.register_buffer(f"weight_mask_{index}", weight_mask, persistent=False)
            self.register_buffer(f"bias_mask_{index}", bias_mask, persistent=False)
            self.padded_flops += 6 * len(nets) * out_max * in_max
        # Plain lists: iterating a ParameterList costs more per step than a small layer's matmul.
        self.layers = list(zip(self.weights, self.biases, strict=True))
        # With f(0) = 0 a padded unit outputs exactly 0 and its outgoing weights are 0, so every padded
        # gradient is exactly 0 already; only an activation such as sigmoid needs the masks each step.
        self.needs_masks = bool(self.activation(torch.zeros(1)).item() != 0)

    @property
    def padding_share(self) -> float:
        """The share of the stack's FLOPs spent on padded units."""
        return 1.0 - self.real_flops / self.padded_flops

    def masks(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return getattr(self, f"weight_mask_{index}"), getattr(self, f"bias_mask_{index}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(members, batch, *input shape) -> (members, batch, outputs)."""
        x = x.flatten(2)
        last = len(self.layers) - 1
        for index, (weight, bias) in enumerate(self.layers):
            x = StackedLinear.apply(x, weight, bias)
            if index < last:
                x = self.activation(x)
        return x

    @torch.no_grad()
    def mask_gradients(self) -> None:
        """Zero the padded entries' gradients, where the activation (f(0) != 0) would feed them."""
        if not self.needs_masks:
            return
        for index, (weight, bias) in enumerate(self.layers):
            weight_mask, bias_mask = self.masks(index)
            weight.grad.mul_(weight_mask)
            bias.grad.mul_(bias_mask)

    @torch.no_grad()
    def clear_member(self, member: int) -> None:
        """Zero a member's weights (it diverged): it then costs FLOPs but no NaNs."""
        for param in [*self.weights, *self.biases]:
            param[member].zero_()

    def member_slices(self, net: MLP, member: int) -> list[tuple[nn.Parameter, nn.Parameter, Callable]]:
        """(stacked parameter, the net's parameter, f(stacked-shaped tensor) -> the net's entries in it)."""
        pairs = []
        for layer, weight, bias in zip(linear_layers(net), self.weights, self.biases, strict=True):
            rows, columns = slice(0, layer.out_features), slice(0, layer.in_features)
            pairs.append((weight, layer.weight, lambda t, r=rows, c=columns: t[member, r, c]))
            pairs.append((bias, layer.bias, lambda t, r=rows: t[member, r]))
        return pairs

    @torch.no_grad()
    def export(self, net: MLP, member: int) -> None:
        """Copy a member's trained weights back into its own net."""
        for stacked, own, entries in self.member_slices(net, member):
            own.copy_(entries(stacked))

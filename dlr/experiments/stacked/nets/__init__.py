"""Which nets have a stacked path: the net's ``_target_`` -> the module that stacks its members.

A stacked module takes (members, batch, *input shape) and returns (members, batch, outputs); it offers
``mask_gradients``, ``clear_member``, ``member_slices``, ``export``, ``padding_share`` and
``bitwise_members`` (see :class:`~dlr.experiments.stacked.nets.mlp.StackedMLP`). ``flops`` estimates one member's FLOPs per sample, for
the width buckets.
"""

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from dlr.experiments.stacked.nets import conv, mlp


@dataclass(frozen=True)
class StackedPath:
    name: str
    stack: Callable[[list[nn.Module]], nn.Module]
    flops: Callable[[nn.Module, tuple[int, ...]], int]
    #: Members are padded to the widest (conv nets), or each width is stacked at its own shape (MLP).
    pads: bool


def _mlp_flops(net: nn.Module, _input_shape: tuple[int, ...]) -> int:
    return mlp.member_flops(net)


STACKED_PATHS = {
    "dlr.nets.mlp.MLP": StackedPath("mlp", mlp.StackedMLP, _mlp_flops, pads=False),
    "dlr.nets.cnn.CNN": StackedPath("cnn", conv.StackedConvNet, conv.member_flops, pads=True),
    "dlr.nets.resnet.ResNet": StackedPath("resnet", conv.StackedConvNet, conv.member_flops, pads=True),
}


def stacked_path(net: nn.Module) -> StackedPath:
    return STACKED_PATHS[f"{type(net).__module__}.{type(net).__qualname__}"]


def stack(nets: list[nn.Module]) -> nn.Module:
    """One stacked module of the members' nets (all of one class and layout)."""
    return stacked_path(nets[0]).stack(nets)

"""Which nets have a stacked path: the net's ``_target_`` -> the module that stacks its members.

A stacked module takes (members, batch, *input shape) and returns (members, batch, outputs); it offers
``mask_gradients``, ``clear_member``, ``member_slices``, ``export``, ``padding_share`` and
``bitwise_members`` (see :class:`~dlr.experiments.stacked.nets.mlp.StackedMLP`). ``member_flops`` estimates
one member's FLOPs per sample, for the width buckets. Both are imported only when a sweep stacks (torch).
"""

from dataclasses import dataclass

from hydra.utils import get_class, get_method


@dataclass(frozen=True)
class StackedPath:
    name: str
    #: The module of this package that stacks such nets (``stacked_class``) and has their ``member_flops``.
    module: str
    stacked_class: str
    #: Members are padded to the widest (conv nets), or each width is stacked at its own shape (MLP).
    pads: bool

    def stack(self, nets: list):
        return get_class(f"{__name__}.{self.module}.{self.stacked_class}")(nets)

    def flops(self, net, input_shape: tuple[int, ...]) -> int:
        return get_method(f"{__name__}.{self.module}.member_flops")(net, input_shape)


STACKED_PATHS = {
    "dlr.nets.mlp.MLP": StackedPath("mlp", "mlp", "StackedMLP", pads=False),
    "dlr.nets.cnn.CNN": StackedPath("cnn", "conv", "StackedConvNet", pads=True),
    "dlr.nets.resnet.ResNet": StackedPath("resnet", "conv", "StackedConvNet", pads=True),
}


def stack(nets: list):
    """One stacked module of the members' nets (all of one class and layout)."""
    net_class = type(nets[0])
    return STACKED_PATHS[f"{net_class.__module__}.{net_class.__qualname__}"].stack(nets)

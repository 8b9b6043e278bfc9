"""Many convolutional nets of one layout (dlr's cnn and resnet) as one module: grouped over members.

The stack is a copy of the widest net whose convolutions, batch norms and linear layers are replaced by
stacked ones; every other module (activations, pooling, flatten, the residual sums) works channel by
channel and runs unchanged. Activations flow as (batch, members x channels, ...): a convolution with
``groups=members`` convolves each member's channels with its own weights only, and a batch norm over
members x channels normalizes each member's channel over that member's batch, as the member's own would.
Members of different widths are padded to the widest member's channels. The padded weights start at zero
and their gradients are masked to zero, so a padded channel stays exactly zero (its batch norm sees a
constant zero and outputs zero) and each member computes what it would alone.

Each stacked tensor has a leading member axis and the member's own tensor in the leading corner of its
slice; parameter names equal the solo net's. (The MLP stacks each width at its own shape instead,
:mod:`dlr.experiments.stacked.nets.mlp`: a dense layer's batched matmul is cheap per call, a grouped
convolution is one call for all the members only when they share a shape.)
"""

import copy
import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from dlr.errors import require

CONVOLUTIONS = (nn.Conv1d, nn.Conv2d)
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def _padded(tensors: list[torch.Tensor], fill: float = 0.0) -> torch.Tensor:
    """(members, *largest shape): each member's tensor in the leading corner of its slice."""
    shape = [max(sizes) for sizes in zip(*(t.shape for t in tensors), strict=True)]
    stacked = torch.full((len(tensors), *shape), fill, dtype=tensors[0].dtype)
    for member, tensor in enumerate(tensors):
        stacked[(member, *_corner(tensor.shape))] = tensor.detach()
    return stacked


def _corner(shape: torch.Size) -> tuple[slice, ...]:
    return tuple(slice(0, size) for size in shape)


class StackedConv(nn.Module):
    """Members' convolutions as one grouped convolution: weight (members, out, in, *kernel)."""

    def __init__(self, convs: list[nn.Conv1d | nn.Conv2d]):
        super().__init__()
        first = convs[0]
        require(
            first.groups == 1 and first.padding_mode == "zeros",
            "model.net",
            "stacked convolutions need groups=1 and zero padding",
        )
        self.members = len(convs)
        self.weight = nn.Parameter(_padded([conv.weight for conv in convs]))
        self.bias = nn.Parameter(_padded([conv.bias for conv in convs])) if first.bias is not None else None
        self.convolve = F.conv1d if isinstance(first, nn.Conv1d) else F.conv2d
        self.options = {"stride": first.stride, "padding": first.padding, "dilation": first.dilation}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = None if self.bias is None else self.bias.flatten()
        return self.convolve(x, self.weight.flatten(0, 1), bias, groups=self.members, **self.options)


class StackedBatchNorm(nn.Module):
    """Members' batch norms as one over members x channels; padded channels have zero scale and shift."""

    def __init__(self, norms: list[nn.BatchNorm1d | nn.BatchNorm2d]):
        super().__init__()
        first = norms[0]
        require(
            first.affine and first.track_running_stats and first.momentum is not None,
            "model.net",
            "stacked batch norm needs affine=True, running statistics and a momentum",
        )
        self.eps, self.momentum = first.eps, first.momentum
        self.weight = nn.Parameter(_padded([norm.weight for norm in norms]))
        self.bias = nn.Parameter(_padded([norm.bias for norm in norms]))
        self.register_buffer("running_mean", _padded([norm.running_mean for norm in norms]))
        self.register_buffer("running_var", _padded([norm.running_var for norm in norms], fill=1.0))
        self.register_buffer("num_batches_tracked", first.num_batches_tracked.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.num_batches_tracked.add_(1)
        # Views of the (members, channels) buffers: batch_norm updates the running statistics in place.
        return F.batch_norm(
            x,
            self.running_mean.view(-1),
            self.running_var.view(-1),
            self.weight.flatten(),
            self.bias.flatten(),
            self.training,
            self.momentum,
            self.eps,
        )


class StackedLinear(nn.Module):
    """Members' linear layers, (batch, members x in) -> (batch, members x out): weight (members, out, in)."""

    def __init__(self, layers: list[nn.Linear]):
        super().__init__()
        self.members = len(layers)
        self.weight = nn.Parameter(_padded([layer.weight for layer in layers]))
        self.bias = nn.Parameter(_padded([layer.bias for layer in layers]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        per_member = x.view(len(x), self.members, -1).transpose(0, 1)
        out = torch.baddbmm(self.bias.unsqueeze(1), per_member, self.weight.transpose(1, 2))
        return out.transpose(0, 1).reshape(len(x), -1)


STACKED_LAYERS = {**dict.fromkeys(CONVOLUTIONS, StackedConv), **dict.fromkeys(BATCH_NORMS, StackedBatchNorm)}


def member_flops(net: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-adds of one sample's forward, backward and weight gradient: 6 per weight and position."""
    counts: list[int] = []

    def count(module: nn.Module, _inputs, output: torch.Tensor) -> None:
        positions = math.prod(output.shape[2:]) if isinstance(module, CONVOLUTIONS) else 1
        counts.append(6 * module.weight.numel() * positions)

    hooks = [
        m.register_forward_hook(count) for m in net.modules() if isinstance(m, (*CONVOLUTIONS, nn.Linear))
    ]
    was_training = net.training
    with torch.no_grad():
        net.eval()(torch.zeros(1, *input_shape))  # eval: the running statistics stay untouched
    net.train(was_training)
    for hook in hooks:
        hook.remove()
    return sum(counts)


class StackedConvNet(nn.Module):
    def __init__(self, nets: list[nn.Module]):
        super().__init__()
        self.members = len(nets)
        self.net = copy.deepcopy(max(nets, key=lambda net: sum(p.numel() for p in net.parameters())))
        for name, module in nets[0].named_modules():
            own = [net.get_submodule(name) for net in nets]
            if isinstance(module, nn.Linear):
                self.net.set_submodule(name, StackedLinear(own))
            elif type(module) in STACKED_LAYERS:
                self.net.set_submodule(name, STACKED_LAYERS[type(module)](own))
        require(
            not any(isinstance(m, (*CONVOLUTIONS, *BATCH_NORMS)) for m in self.net.modules()),
            "model.net",
            "has convolutions or batch norms of a kind the stack cannot group",
        )
        # Masks from the real shapes, not from `!= 0`: an initial weight may be exactly zero.
        own_parameters = [dict(net.named_parameters()) for net in nets]
        for name, _ in self.net.named_parameters():
            mask = _padded([torch.ones_like(params[name]) for params in own_parameters])
            self.register_buffer(self._mask_name(name), mask, persistent=False)
        self._nets = tuple(nets)  # a tuple: not submodules, only measured by padding_share
        self._input_shape: tuple[int, ...] | None = None

    #: Members that compute as their solo runs, bit for bit: none, padded and grouped as they all are.
    bitwise_members: tuple[int, ...] = ()

    @staticmethod
    def _mask_name(name: str) -> str:
        return "mask_" + name.replace(".", "_")

    @property
    def padding_share(self) -> float:
        """The share of the stack's FLOPs spent on padded channels (every layer is as wide as the widest)."""
        if self._input_shape is None:
            return 0.0
        flops = [member_flops(net, self._input_shape) for net in self._nets]
        return 1.0 - sum(flops) / (len(flops) * max(flops))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(members, batch, channels, *positions) -> (members, batch, outputs)."""
        members, batch = x.shape[:2]
        self._input_shape = tuple(x.shape[2:])
        grouped = x.transpose(0, 1).reshape(batch, members * x.shape[2], *x.shape[3:])
        return self.net(grouped).view(batch, members, -1).transpose(0, 1)

    @torch.no_grad()
    def mask_gradients(self) -> None:
        """Zero the padded entries' gradients: an activation with f(0) != 0 would feed padded weights."""
        for name, param in self.net.named_parameters():
            param.grad.mul_(getattr(self, self._mask_name(name)))

    @torch.no_grad()
    def clear_member(self, member: int) -> None:
        """Zero a member's weights (it diverged): it then costs FLOPs but no NaNs."""
        for param in self.net.parameters():
            param[member].zero_()

    def member_slices(self, net: nn.Module, member: int) -> list[tuple[nn.Parameter, nn.Parameter, Callable]]:
        """(stacked parameter, the net's parameter, f(stacked-shaped tensor) -> the net's entries in it)."""
        own = dict(net.named_parameters())
        corners = {name: (member, *_corner(param.shape)) for name, param in own.items()}
        return [
            (stacked, own[name], lambda t, corner=corners[name]: t[corner])
            for name, stacked in self.net.named_parameters()
        ]

    @torch.no_grad()
    def export(self, net: nn.Module, member: int) -> None:
        """Copy a member's trained weights and batch-norm statistics back into its own net."""
        for stacked, own, entries in self.member_slices(net, member):
            own.copy_(entries(stacked))
        own_buffers = dict(net.named_buffers())
        for name, stacked in self.net.named_buffers():
            target = own_buffers[name]
            target.copy_(stacked if stacked.dim() == 0 else stacked[(member, *_corner(target.shape))])

"""Many MLPs of one depth as one module: the members of each width stacked on a leading axis, none padded.

A bucket's members are grouped by width; each group's layers are stacked ``(members, out, in)`` as
nn.Linear stores them, and a batched matmul (``baddbmm``) runs all the group's members in one call per
layer. The whole network's forward and backward is a single autograd node (:class:`_GroupedMLP`) that
loops over the groups, so a bucket of many widths pays autograd's bookkeeping once per step, not once per
layer and group.

Why groups rather than padding every member to the bucket's widest width: a padded member sums its dot
products over zeros too, which makes the matmul kernel block and round them differently, and 500 epochs
amplify that rounding near the interpolation peak into test errors a point or more away from the solo
run's. A member alone at its width (every width of a one-seed sweep) multiplies and rounds exactly as its
solo run's ``nn.Linear`` does and trains bit for bit as alone; the seeds of one width share batched
matmuls, within float rounding of their solo runs. No FLOP is spent on padding.
"""

import math
from collections.abc import Callable

import torch
from torch import nn

from dlr.nets.mlp import MLP

#: Floats per 64 bytes: where each parameter starts in the flat tensor.
ALIGNMENT = 16


def linear_layers(net: MLP) -> list[nn.Linear]:
    return [layer for layer in net.layers if isinstance(layer, nn.Linear)]


def member_flops(net: MLP, _input_shape: tuple[int, ...] = ()) -> int:
    """Multiply-adds of one sample's forward, backward and weight gradient: 6 per weight (at any input shape:
    the first layer's is its own)."""
    return sum(6 * layer.in_features * layer.out_features for layer in linear_layers(net))


def _shapes(net: MLP) -> tuple[tuple[int, int], ...]:
    return tuple((layer.out_features, layer.in_features) for layer in linear_layers(net))


def _linear(x: torch.Tensor, weight_t: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``weight_t``: the weight transposed, ``bias``: broadcastable over the batch (see ``forward_layers``)."""
    if x.dim() == 2:  # one member: nn.Linear's own op (MKL's batched one rounds otherwise at some shapes)
        return torch.addmm(bias, x, weight_t)
    return torch.baddbmm(bias, x, weight_t)


def _weight_grad(grad: torch.Tensor, x: torch.Tensor, out: torch.Tensor) -> None:
    if grad.dim() == 2:
        torch.mm(grad.t(), x, out=out)
    else:
        torch.bmm(grad.transpose(1, 2), x, out=out)


def _input_grad(grad: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return grad.mm(weight) if grad.dim() == 2 else grad.bmm(weight)


class _GroupedMLP(torch.autograd.Function):
    """Every group's forward in one node; the backward computes as nn.Linear's and the activation's do.

    For a weight stored (out, in), Linear's backward computes the weight gradient as ``grad^T @ x`` in
    that layout and the input gradient as ``grad @ weight``; ReLU's is ``threshold_backward`` on its output.
    A group of one member (every width of a one-seed sweep) uses Linear's very 2-D ops and trains bit for
    bit as its solo run; a group of several uses their batched forms, which MKL rounds differently from
    the 2-D ones at some shapes (by about 1e-10 in a gradient).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, model: "StackedMLP", flat: torch.Tensor) -> torch.Tensor:
        if not model.in_member_order:
            x = x.index_select(0, model.group_order)
        outputs, saved = [], []
        relu = model.relu
        for (start, end), layers in zip(model.group_rows, model.forward_layers(), strict=True):
            h = x[start] if end - start == 1 else x[start:end]
            inputs, pre_activations = [], []
            last = len(layers) - 1
            for index, (weight_t, bias) in enumerate(layers):
                inputs.append(h)
                h = _linear(h, weight_t, bias)
                if index < last:  # ReLU's backward needs only its output: its input is overwritten
                    pre_activations.append(None if relu else h)
                    h = h.relu_() if relu else model.activation(h)
            outputs.append(h if h.dim() == 3 else h.unsqueeze(0))
            saved.append((inputs, pre_activations))
        ctx.model, ctx.saved = model, saved
        logits = torch.cat(outputs) if len(outputs) > 1 else outputs[0]
        return logits if model.in_member_order else logits.index_select(0, model.group_position)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple:
        model = ctx.model
        if not model.in_member_order:
            grad = grad.index_select(0, model.group_order)
        flat_grad, grad_layers = model.gradient_buffer()
        for (start, end), layers, grads, (inputs, pre_activations) in zip(
            model.group_rows, model.group_layers(model.flat), grad_layers, ctx.saved, strict=True
        ):
            g = grad[start] if end - start == 1 else grad[start:end]
            for index in reversed(range(len(layers))):
                weight_grad, bias_grad = grads[index]
                _weight_grad(g, inputs[index], out=weight_grad)
                torch.sum(g, -2, out=bias_grad)
                if index > 0:  # the input itself needs no gradient
                    g = model.activation_backward(
                        _input_grad(g, layers[index][0]), pre_activations[index - 1], inputs[index]
                    )
        return None, None, flat_grad


class StackedMLP(nn.Module):
    def __init__(self, nets: list[MLP]):
        super().__init__()
        # The activation is the one non-linear, non-flatten module type of the (identical) nets.
        self.activation = next(
            (layer for layer in nets[0].layers if not isinstance(layer, nn.Linear | nn.Flatten)),
            nn.Identity(),
        )
        by_shape: dict[tuple, list[int]] = {}
        for member, net in enumerate(nets):
            by_shape.setdefault(_shapes(net), []).append(member)
        self.position = {
            member: (group, position)
            for group, members in enumerate(by_shape.values())
            for position, member in enumerate(members)
        }
        ends = torch.tensor([len(members) for members in by_shape.values()]).cumsum(0).tolist()
        self.group_rows = list(zip([0, *ends[:-1]], ends, strict=True))  # each group's rows, in group order
        order = torch.tensor([member for members in by_shape.values() for member in members])
        self.in_member_order = bool(torch.equal(order, torch.arange(len(nets))))
        # The member of each grouped row, and each member's row: buffers, so they move with the module.
        self.register_buffer("group_order", order, persistent=False)
        self.register_buffer("group_position", torch.argsort(order), persistent=False)
        # Every parameter in one flat tensor: one tensor for the optimizer's loop and autograd, not six per
        # width. Each starts on a 64-byte boundary, as a tensor of its own would: MKL rounds by alignment.
        pieces, self.layout = [], []  # layout, per group and layer: ((offset, shape) of weight, of bias)
        offset = 0
        for members in by_shape.values():
            group = [linear_layers(nets[member]) for member in members]
            layers = []
            for index in range(len(group[0])):
                entries = []
                for values in (
                    torch.stack([net[index].weight.detach() for net in group]),
                    torch.stack([net[index].bias.detach() for net in group]),
                ):
                    shape = tuple(values.shape[1:]) if len(members) == 1 else tuple(values.shape)
                    gap = -offset % ALIGNMENT
                    pieces += [torch.zeros(gap), values.flatten()]
                    entries.append((offset + gap, shape))
                    offset += gap + values.numel()
                layers.append(tuple(entries))
            self.layout.append(layers)
        self.flat = nn.Parameter(torch.cat(pieces))
        self._views: tuple = (None, None)
        self._gradient: tuple = (None, None)
        self.relu = isinstance(self.activation, nn.ReLU)
        #: Members alone at their width: they compute as their solo runs do, bit for bit.
        self.bitwise_members = [members[0] for members in by_shape.values() if len(members) == 1]

    #: Nothing is padded: every member is stacked at its own width.
    padding_share = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(members, batch, *input shape) -> (members, batch, outputs)."""
        return _GroupedMLP.apply(x.flatten(2), self, self.flat)

    def _layer_views(self, flat: torch.Tensor) -> list[list[tuple[torch.Tensor, torch.Tensor]]]:
        with torch.no_grad():
            return [
                [
                    tuple(flat[offset : offset + math.prod(shape)].view(shape) for offset, shape in layer)
                    for layer in group
                ]
                for group in self.layout
            ]

    def group_layers(self, flat: torch.Tensor) -> list[list[tuple[torch.Tensor, torch.Tensor]]]:
        """Per group, (weight, bias) per layer as views of ``flat`` (the parameters, or a tensor shaped as
        them); a group of one member's are 2-D, as its solo nn.Linear's."""
        if flat is not self.flat:
            return self._layer_views(flat)
        return self._parameter_views()[0]

    def forward_layers(self) -> list[list[tuple[torch.Tensor, torch.Tensor]]]:
        """Per group, (weight transposed, bias broadcastable over the batch) per layer: the forward's views
        of the parameters."""
        return self._parameter_views()[1]

    def _parameter_views(self) -> tuple[list, list]:
        """``group_layers`` and ``forward_layers`` of the parameters, made once per parameter tensor: making
        them every step costs a small bucket's step more than its matmuls."""
        key = (self.flat.data_ptr(), self.flat.device)
        if self._views[0] != key:
            layers = self._layer_views(self.flat)
            forward = [
                [(w.t(), b) if w.dim() == 2 else (w.transpose(1, 2), b.unsqueeze(1)) for w, b in group]
                for group in layers
            ]
            self._views = (key, (layers, forward))
        return self._views[1]

    def gradient_buffer(self) -> tuple[torch.Tensor, list]:
        """A tensor for the backward to write the whole gradient into, and its per-layer views.

        The same memory every step: a fresh 2 MB tensor costs more to zero than the largest widths' step
        spends in their optimizer (the kernel maps and clears new pages). The buffer's alignment gaps are
        never written and stay zero. Autograd keeps the returned tensor as ``flat.grad`` without a copy
        (nothing else refers to it, only to its memory), so when ``flat.grad`` is still set, as by
        ``zero_grad(set_to_none=False)`` or a second backward, the gradient is a new tensor instead: autograd
        would otherwise add the buffer to itself.
        """
        if self.flat.grad is not None:  # autograd adds what the backward returns to it
            fresh = torch.zeros_like(self.flat)
            return fresh, self._layer_views(fresh)
        base, views = self._gradient
        if base is None or base.device != self.flat.device:
            base = torch.zeros_like(self.flat)
            views = self._layer_views(base)
            self._gradient = (base, views)
        return base.view(base.shape), views

    def activation_backward(
        self, grad: torch.Tensor, pre: torch.Tensor | None, post: torch.Tensor
    ) -> torch.Tensor:
        """The gradient at the activation's input, by the very op the solo run's autograd uses (ReLU's
        needs only its output, and its forward keeps no ``pre``)."""
        if self.relu:
            return torch.ops.aten.threshold_backward(grad, post, 0)
        with torch.enable_grad():
            pre = pre.detach().requires_grad_()
            return torch.autograd.grad(self.activation(pre), pre, grad)[0]

    def mask_gradients(self) -> None:
        """Nothing is padded, so no gradient needs masking."""

    def _member_entries(self, member: int) -> list[Callable]:
        """Per parameter of the member's net (weight, bias per layer): f(flat-shaped tensor) -> its entries."""
        group, position = self.position[member]
        start, end = self.group_rows[group]
        entries = []
        for offset, shape in [entry for layer in self.layout[group] for entry in layer]:

            def of(t, offset=offset, shape=shape):
                view = t[offset : offset + math.prod(shape)].view(shape)
                return view if end - start == 1 else view[position]

            entries.append(of)
        return entries

    @torch.no_grad()
    def clear_member(self, member: int) -> None:
        """Zero a member's weights (it diverged): it then costs FLOPs but no NaNs."""
        for entries in self._member_entries(member):
            entries(self.flat).zero_()

    def member_slices(self, net: MLP, member: int) -> list[tuple[nn.Parameter, nn.Parameter, Callable]]:
        """(stacked parameter, the net's parameter, f(stacked-shaped tensor) -> the net's entries in it)."""
        own = [param for layer in linear_layers(net) for param in (layer.weight, layer.bias)]
        return [
            (self.flat, param, entries)
            for param, entries in zip(own, self._member_entries(member), strict=True)
        ]

    @torch.no_grad()
    def export(self, net: MLP, member: int) -> None:
        """Copy a member's trained weights back into its own net."""
        for stacked, own, entries in self.member_slices(net, member):
            own.copy_(entries(stacked))

"""The stacked MLP itself: a member alone at its width trains bit for bit as it would alone; members that
share a width share batched matmuls, and match their solo runs within those matmuls' rounding."""

import torch
import torch.nn.functional as F
from torch import nn

from dlr.data.mnist1d import MNIST1DDataModule
from dlr.experiments.stacked.nets.mlp import StackedMLP, linear_layers
from dlr.experiments.stacked.train import sample_losses, train_bucket
from dlr.nets.mlp import MLP
from dlr.tasks.supervised import SupervisedTask


def _nets(widths, activation="relu"):
    nets = []
    for width in widths:
        torch.manual_seed(width)
        nets.append(MLP((12,), 4, width=width, depth=2, activation_name=activation))
    return nets


def _assert_trained_as_alone(model: StackedMLP, solo: list[MLP], widths: list[int], activation: str) -> None:
    """Bit for bit where a member is alone at its width (2-D matmuls, as nn.Linear's); otherwise within
    the rounding of MKL's batched matmuls."""
    for member, net in enumerate(solo):
        exported = _nets([widths[member]], activation)[0]
        model.export(exported, member)
        alone = widths.count(widths[member]) == 1
        for own, reference in zip(linear_layers(exported), linear_layers(net), strict=True):
            for mine, theirs in [(own.weight, reference.weight), (own.bias, reference.bias)]:
                if alone:
                    assert torch.equal(mine, theirs), (member, widths[member])
                else:
                    torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-6)


def test_adamw_sigmoid_members_in_any_order_train_as_alone_exactly_at_a_lone_width_else_within_rounding():
    # Groups of one width that are not contiguous in member order; sigmoid: the activation through autograd.
    widths = [9, 3, 9, 5]
    nets, solo = _nets(widths, "sigmoid"), _nets(widths, "sigmoid")
    model = StackedMLP(nets)
    assert not model.in_member_order and len(model.layout) == 3 and model.padding_share == 0
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    solo_optimizers = [torch.optim.AdamW(net.parameters(), lr=0.05, weight_decay=0.1) for net in solo]
    generator = torch.Generator().manual_seed(0)
    for _ in range(30):
        x = torch.randn(len(widths), 16, 12, generator=generator)
        y = torch.randint(4, (len(widths), 16), generator=generator)
        sample_losses(model(x), y, model.bitwise_members).mean(1).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
        for member, (net, solo_optimizer) in enumerate(zip(solo, solo_optimizers, strict=True)):
            F.cross_entropy(net(x[member]), y[member]).backward()
            solo_optimizer.step()
            solo_optimizer.zero_grad()
    _assert_trained_as_alone(model, solo, widths, "sigmoid")


def _member(data_dir, width: int, seed: int):
    datamodule = MNIST1DDataModule(
        num_samples=600,
        train_split=0.5,
        view="flat",
        data_dir=str(data_dir),
        seed=seed,
        batch_size=50,
        val_fraction=0.0,
        label_noise=0.1,
    )
    datamodule.setup("fit")
    torch.manual_seed(seed)
    net = MLP(datamodule.input_shape, datamodule.output_size, width=width)
    optimizer = lambda params, **kwargs: torch.optim.Adam(params, lr=0.01, **kwargs)  # noqa: E731
    return SupervisedTask(net, optimizer=optimizer, data_info=datamodule.describe()), datamodule


def test_a_diverging_member_fails_alone(data_dir):
    tasks, datamodules = zip(*[_member(data_dir, 8, 0), _member(data_dir, 16, 1)], strict=True)
    with torch.no_grad():
        nn.init.constant_(tasks[1].net.layers[1].weight, float("inf"))
    cpu = torch.device("cpu")
    result = train_bucket(list(tasks), list(datamodules), epochs=8, validate=False, device=cpu)
    assert result.errors[0] is None and result.errors[1].startswith("diverged: train/loss is nan")
    task, datamodule = _member(data_dir, 8, 0)
    alone = train_bucket([task], [datamodule], epochs=8, validate=False, device=cpu)
    assert result.metrics[0]["test/acc"] == alone.metrics[0]["test/acc"]
    assert abs(result.metrics[0]["test/loss"] / alone.metrics[0]["test/loss"] - 1) < 1e-5
    assert result.metrics[0]["test/acc"] > 0.2  # learned beyond chance (0.1)


def test_sgd_bucket_members_train_as_their_solo_runs_exactly_at_a_lone_width_else_within_rounding():
    # A width alone at its own shape multiplies and rounds as nn.Linear does: no float-order drift to amplify
    # over 500 epochs (padding to the widest width summed over zeros too, and rounded otherwise). The two
    # members of width 16 share batched matmuls, whose rounding differs.
    widths = [7, 16, 16, 40]
    nets, solo = _nets(widths), _nets(widths)
    model = StackedMLP(nets)
    assert model.in_member_order and len(model.layout) == 3
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, foreach=True)
    solo_optimizers = [torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9) for net in solo]
    generator = torch.Generator().manual_seed(0)
    for _ in range(40):
        x = torch.randn(1, 100, 12, generator=generator)
        y = torch.randint(4, (len(widths), 100), generator=generator)
        logits = model(x.expand(len(widths), -1, -1))
        sample_losses(logits, y, model.bitwise_members).mean(1).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
        for member, (net, solo_optimizer) in enumerate(zip(solo, solo_optimizers, strict=True)):
            F.cross_entropy(net(x[0]), y[member]).backward()
            solo_optimizer.step()
            solo_optimizer.zero_grad()
    _assert_trained_as_alone(model, solo, widths, "relu")


def test_losses_of_members_alone_are_bit_for_bit_the_solo_ones_and_the_others_within_rounding():
    generator = torch.Generator().manual_seed(0)
    logits = (3 * torch.randn(75, 100, 10, generator=generator)).requires_grad_()
    targets = torch.randint(10, (75, 100), generator=generator)

    def gradient(bitwise):
        return torch.autograd.grad(sample_losses(logits, targets, bitwise).mean(1).sum(), logits)[0]

    bitwise = list(range(0, 75, 2))
    grad, rows = gradient(bitwise), gradient(range(75))
    assert not torch.equal(gradient([]), rows)  # the two orders of summing do round apart on this data
    assert torch.equal(grad[bitwise], rows[bitwise])
    torch.testing.assert_close(grad, rows, rtol=1e-5, atol=1e-8)
    solo = [F.cross_entropy(logits[m], targets[m], reduction="none") for m in bitwise]
    assert torch.equal(sample_losses(logits, targets, bitwise)[bitwise], torch.stack(solo))


def test_the_gradient_buffer_is_reused_each_step_and_a_second_backward_still_accumulates():
    model = StackedMLP(_nets([5, 8, 8]))
    x = torch.randn(3, 20, 12)
    model(x).square().sum().backward()
    first, buffer = model.flat.grad.clone(), model.flat.grad.data_ptr()
    model.flat.grad = None  # as zero_grad() leaves it
    model(x).square().sum().backward()
    assert model.flat.grad.data_ptr() == buffer and torch.equal(model.flat.grad, first)
    other = torch.randn(3, 20, 12)
    model.flat.grad = None
    model(other).square().sum().backward()
    second = model.flat.grad.clone()
    model.flat.grad = None
    model(x).square().sum().backward()
    model(other).square().sum().backward()  # .grad still set: a fresh tensor is added to it
    torch.testing.assert_close(model.flat.grad, first + second, rtol=0, atol=0)

"""The stacked MLP itself: padded units stay exactly zero, every member learns as it would alone."""

import torch
import torch.nn.functional as F
from torch import nn

from dlr.data.mnist1d import MNIST1DDataModule
from dlr.experiments.stacked_mlp import StackedMLP, linear_layers
from dlr.experiments.stacked_train import sample_losses, train_bucket
from dlr.nets.mlp import MLP
from dlr.tasks.supervised import SupervisedTask


def _nets(widths, activation="relu"):
    nets = []
    for width in widths:
        torch.manual_seed(width)
        nets.append(MLP((12,), 4, width=width, depth=2, activation_name=activation))
    return nets


def _padded_entries(model: StackedMLP) -> torch.Tensor:
    values = []
    for index, (weight, bias) in enumerate(model.layers):
        weight_mask, bias_mask = model.masks(index)
        values += [weight[weight_mask == 0], bias[bias_mask == 0]]
    return torch.cat(values)


def test_padded_units_stay_zero_and_members_train_as_alone_with_adamw_and_sigmoid():
    # sigmoid(0) = 0.5: padded units output nonzero values, so only the gradient masks keep them at zero.
    widths = [3, 9, 5]
    nets, solo = _nets(widths, "sigmoid"), _nets(widths, "sigmoid")
    model = StackedMLP(nets)
    assert model.needs_masks and 0 < model.padding_share < 1
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    solo_optimizers = [torch.optim.AdamW(net.parameters(), lr=0.05, weight_decay=0.1) for net in solo]
    generator = torch.Generator().manual_seed(0)
    for _ in range(30):
        x = torch.randn(len(widths), 16, 12, generator=generator)
        y = torch.randint(4, (len(widths), 16), generator=generator)
        losses = F.cross_entropy(model(x).transpose(1, 2), y, reduction="none").mean(1)
        losses.sum().backward()
        model.mask_gradients()
        optimizer.step()
        optimizer.zero_grad()
        for member, (net, solo_optimizer) in enumerate(zip(solo, solo_optimizers, strict=True)):
            F.cross_entropy(net(x[member]), y[member]).backward()
            solo_optimizer.step()
            solo_optimizer.zero_grad()
    assert _padded_entries(model).abs().max().item() == 0.0
    for member, net in enumerate(solo):
        exported = _nets([widths[member]], "sigmoid")[0]
        model.export(exported, member)
        for own, reference in zip(linear_layers(exported), linear_layers(net), strict=True):
            torch.testing.assert_close(own.weight, reference.weight, rtol=1e-5, atol=1e-6)


def test_relu_members_need_no_masks_and_padding_stays_zero_unmasked():
    model = StackedMLP(_nets([2, 6]))
    assert not model.needs_masks  # relu(0) = 0: the padded gradients are exactly zero by themselves
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    for _ in range(10):
        model(torch.randn(2, 8, 12)).square().mean().backward()
        optimizer.step()
        optimizer.zero_grad()
    assert _padded_entries(model).abs().max().item() == 0.0


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


def test_the_widest_member_of_a_bucket_trains_bit_for_bit_as_its_solo_run():
    # Unpadded, it multiplies and rounds as nn.Linear does: no float-order drift to amplify over 500 epochs.
    widths = [7, 16]
    nets, solo = _nets(widths), _nets(widths)
    model = StackedMLP(nets)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, foreach=True)
    solo_optimizers = [torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9) for net in solo]
    generator = torch.Generator().manual_seed(0)
    for _ in range(40):
        x = torch.randn(1, 100, 12, generator=generator)
        y = torch.randint(4, (len(widths), 100), generator=generator)
        sample_losses(model(x.expand(len(widths), -1, -1)), y).mean(1).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
        for member, (net, solo_optimizer) in enumerate(zip(solo, solo_optimizers, strict=True)):
            F.cross_entropy(net(x[0]), y[member]).backward()
            solo_optimizer.step()
            solo_optimizer.zero_grad()
    exported = _nets([16])[0]
    model.export(exported, 1)
    for own, reference in zip(linear_layers(exported), linear_layers(solo[1]), strict=True):
        assert torch.equal(own.weight, reference.weight) and torch.equal(own.bias, reference.bias)

"""The stacked cnn and resnet: padded channels stay exactly zero, batch norm stays per member, and every
member learns as it would alone (to float order: 1e-5 on every weight and running statistic)."""

import pytest
import torch
import torch.nn.functional as F

from dlr.experiments.stacked.nets import stack
from dlr.experiments.stacked.nets.conv import StackedConvNet
from dlr.nets.cnn import CNN
from dlr.nets.resnet import ResNet

WIDTHS = [3, 8, 5]
PAPER_CNN = {"downsample": "stride", "readout": "flatten", "batch_norm": False, "activation_name": "sigmoid"}


def _nets(net_class, **options):
    nets = []
    for width in WIDTHS:
        torch.manual_seed(width)
        nets.append(net_class((1, 40), 10, width=width, **options))
    return nets


def _padded_entries(model: StackedConvNet) -> torch.Tensor:
    masks = {name: getattr(model, model._mask_name(name)) for name, _ in model.net.named_parameters()}
    return torch.cat([param[masks[name] == 0] for name, param in model.net.named_parameters()])


def _train_together_and_alone(net_class, optimizer, options: dict, steps: int = 10):
    model, solo = stack(_nets(net_class, **options)), _nets(net_class, **options)
    stacked_optimizer = optimizer(model.parameters())
    solo_optimizers = [optimizer(net.parameters()) for net in solo]
    generator = torch.Generator().manual_seed(0)
    for _ in range(steps):
        x = torch.randn(len(WIDTHS), 16, 1, 40, generator=generator)
        y = torch.randint(10, (len(WIDTHS), 16), generator=generator)
        F.cross_entropy(model(x).transpose(1, 2), y, reduction="none").mean(1).sum().backward()
        model.mask_gradients()
        stacked_optimizer.step()
        stacked_optimizer.zero_grad()
        for member, (net, solo_optimizer) in enumerate(zip(solo, solo_optimizers, strict=True)):
            F.cross_entropy(net(x[member]), y[member]).backward()
            solo_optimizer.step()
            solo_optimizer.zero_grad()
    return model, solo


@pytest.mark.parametrize(
    ("net_class", "options", "optimizer"),
    [
        # sigmoid(0) = 0.5: padded channels output nonzero values, so only the gradient masks keep them at 0.
        (
            CNN,
            PAPER_CNN,
            lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.01),
        ),  # momentum: denormals, slow
        (
            CNN,
            {**PAPER_CNN, "activation_name": "relu"},
            lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
        ),
        (CNN, {}, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01)),
        (ResNet, {"depth": 1, "stages": 2}, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    ],
    ids=["paper_cnn_sigmoid_sgd", "paper_cnn_adamw", "cnn_batch_norm_sgd", "resnet_sgd"],
)
def test_padded_channels_stay_zero_and_members_train_as_alone(net_class, options, optimizer):
    model, solo = _train_together_and_alone(net_class, optimizer, options)
    assert _padded_entries(model).abs().max().item() == 0.0
    assert 0.2 < model.padding_share < 0.8
    for member, net in enumerate(solo):
        exported = _nets(net_class, **options)[member]
        model.export(exported, member)  # weights and batch-norm statistics: the solo net's state
        mine, theirs = exported.state_dict(), net.state_dict()
        for key in theirs:
            torch.testing.assert_close(mine[key], theirs[key], rtol=1e-5, atol=1e-5, msg=key)
    model.eval()
    x = torch.randn(len(WIDTHS), 8, 1, 40)
    alone = torch.stack([net.eval()(x[member]) for member, net in enumerate(solo)])
    torch.testing.assert_close(model(x), alone, rtol=1e-5, atol=1e-5)


def test_batch_norm_normalizes_each_member_over_its_own_batch():
    # Member 1's inputs are 100x member 0's: a batch norm shared over members would mix their scales.
    model, solo = stack(_nets(CNN)[:2]), _nets(CNN)[:2]
    x = torch.randn(1, 16, 1, 40)
    x = torch.cat([x, 100 * x + 3])
    alone = torch.stack([net(x[member]) for member, net in enumerate(solo)])
    torch.testing.assert_close(model(x), alone, rtol=1e-5, atol=1e-5)

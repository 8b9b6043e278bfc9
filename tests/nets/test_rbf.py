"""The radial basis network learns digits (chance 0.1); its centres and widths are trained."""

import torch

from dlr.nets.rbf import RBFNetwork
from dlr.run.train import train
from tests.conftest import FAST


def test_rbf_learns_digits(make_cfg):
    record = train(make_cfg([*FAST, "model=rbf", "data=digits", "width=64"]))
    assert record["metrics"]["test/acc"] > 0.6


def test_rbf_units_are_gaussian_seeded_from_data_and_learnable():
    torch.manual_seed(0)
    net = RBFNetwork((4,), 2, width=3)
    x = torch.randn(8, 4)
    net.train()
    net(x)  # the first training batch seeds the centres with samples
    assert all(any(torch.allclose(c, row, atol=0.1) for row in x) for c in net.centres)
    phi = net.activations(net.centres.detach())
    # A unit answers 1 at its centre, less elsewhere.
    assert torch.allclose(phi.diagonal(), torch.ones(3)) and (phi <= 1).all()
    net(x).sum().backward()
    assert net.centres.grad.abs().sum() > 0 and net.log_widths.grad.abs().sum() > 0

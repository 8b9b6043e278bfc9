"""The capsule network learns digits (chance 0.1) by routing by agreement; tables are refused in one line."""

import pytest
import torch

from dlr.nets.capsnet import CapsNet, squash
from dlr.run.train import train
from tests.conftest import FAST


def test_capsnet_learns_digits(make_cfg):
    record = train(make_cfg([*FAST, "model=capsnet", "data=digits", "width=16"]))
    assert record["metrics"]["test/acc"] > 0.7


def test_capsule_lengths_are_probabilities_on_images_and_signals():
    for shape in ((1, 8, 8), (1, 40)):
        lengths = CapsNet(shape, 10, width=16)(torch.randn(3, *shape))
        assert lengths.shape == (3, 10) and (lengths >= 0).all() and (lengths < 1).all()
    assert squash(torch.tensor([[3.0, 4.0]])).norm() == pytest.approx(25 / 26)


def test_capsnet_refuses_tabular_data(make_cfg, capsys):
    with pytest.raises(SystemExit):
        train(make_cfg([*FAST, "model=capsnet", "data=iris"]))
    message = capsys.readouterr().err.strip()
    assert message.splitlines() == [message]
    assert "model=capsnet cannot read data=iris (tabular data); it accepts signal, image" in message

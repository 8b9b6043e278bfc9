"""dlr's ResNet learns 2-D digits and 1-D mnist1d (chance 0.1); width scales it like a width knob should."""

import pytest
import torch

from dlr.nets.resnet import ResNet
from dlr.run.train import train
from tests.conftest import FAST


def test_resnet_learns_digit_images(make_cfg):
    record = train(make_cfg([*FAST, "model=resnet", "data=digits", "width=8", "depth=1"]))
    assert record["metrics"]["test/acc"] > 0.7


@pytest.mark.slow  # about 3 s alone; the 1-D path is also covered by the shape check below
def test_resnet_learns_signals(make_cfg):
    record = train(
        make_cfg(
            [*FAST, "model=resnet", "data.num_samples=1000", "width=8", "depth=1", "trainer.max_epochs=5"]
        )
    )
    assert record["metrics"]["test/acc"] > 0.25


def test_width_scales_parameters_quadratically():
    def count(width: int) -> int:
        return sum(p.numel() for p in ResNet((1, 8, 8), 10, width=width, depth=1).parameters())

    assert 3.5 < count(32) / count(16) < 4.1
    assert ResNet((1, 40), 10, width=4)(torch.randn(2, 1, 40)).shape == (2, 10)

"""The capsule margin loss: zero for a long true capsule and short others, positive otherwise."""

import pytest
import torch

from dlr.nets.capsnet import CapsNet
from dlr.tasks.capsule import CapsuleTask


def test_margin_loss():
    task = CapsuleTask(
        CapsNet((1, 8, 8), 3, width=8), data_info={"task_type": "classification", "output_size": 3}
    )
    y = torch.tensor([0])
    assert task.loss(torch.tensor([[0.95, 0.05, 0.0]]), y) == 0
    assert task.loss(torch.tensor([[0.5, 0.05, 0.0]]), y) == pytest.approx(0.4**2)
    assert task.loss(torch.tensor([[0.95, 0.6, 0.0]]), y) == pytest.approx(0.5 * 0.5**2)

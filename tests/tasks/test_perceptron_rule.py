"""Rosenblatt's rule: on a mistake w_true += lr*x and w_predicted -= lr*x; nothing when right."""

import pytest
import torch

from dlr.errors import ConfigError
from dlr.nets.perceptron import Perceptron
from dlr.tasks.perceptron import PerceptronTask

CLASSES = {"task_type": "classification", "output_size": 3}


def one_step(task: PerceptronTask, x: torch.Tensor, y: torch.Tensor) -> None:
    optimizer = task.configure_optimizers()
    optimizer.zero_grad()
    task.loss(task.net(x), y).backward()
    optimizer.step()


def test_one_step_is_the_perceptron_rule():
    torch.manual_seed(0)
    task = PerceptronTask(Perceptron((4,), 3), data_info=CLASSES, learning_rate=0.5)
    x = torch.randn(1, 4)
    predicted = int(task.net(x).argmax())
    wrong = (predicted + 1) % 3
    before = task.net.linear.weight.detach().clone()
    one_step(task, x, torch.tensor([wrong]))
    expected = before.clone()
    expected[wrong] += 0.5 * x[0]
    expected[predicted] -= 0.5 * x[0]
    assert torch.allclose(task.net.linear.weight, expected)
    right = int(task.net(x).argmax())
    unchanged = task.net.linear.weight.detach().clone()
    one_step(task, x, torch.tensor([right]))
    assert torch.equal(task.net.linear.weight, unchanged)


def test_rule_is_checked():
    with pytest.raises(ConfigError, match="model.task.rule"):
        PerceptronTask(Perceptron((4,), 3), data_info=CLASSES, rule="delta")

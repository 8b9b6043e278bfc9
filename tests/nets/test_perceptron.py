"""The single-layer perceptron learns digits with either rule (chance accuracy is 0.1)."""

import pytest

from dlr.run.train import train
from tests.conftest import FAST


@pytest.mark.parametrize("rule", ["perceptron", "hinge"])
def test_perceptron_learns_digits(make_cfg, rule):
    record = train(make_cfg([*FAST, "model=perceptron", "data=digits", f"model.task.rule={rule}"]))
    assert record["metrics"]["test/acc"] > 0.8
    assert record["metrics"]["params/total"] == 64 * 10 + 10  # one linear layer, nothing hidden

"""The one-hidden-layer feed-forward net learns digits (chance 0.1) and has exactly one hidden layer."""

from dlr.run.train import train
from tests.conftest import FAST


def test_ff_learns_with_one_hidden_layer(make_cfg):
    record = train(make_cfg([*FAST, "model=ff", "data=digits", "width=32", "depth=5"]))
    assert record["metrics"]["test/acc"] > 0.8
    # depth=5 is ignored: ff is 64 -> 32 -> 10 whatever the deep-net knob says.
    assert record["metrics"]["params/total"] == 64 * 32 + 32 + 32 * 10 + 10

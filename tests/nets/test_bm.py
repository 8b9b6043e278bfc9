"""Boltzmann machine: exact Boltzmann learning raises the data log-likelihood far above uniform."""

import pytest

from dlr.data.binary_patterns import bars_and_stripes
from dlr.run.train import train
from tests.conftest import FAST
from tests.test_bad_input import fails_with

BM = ["model=bm", "data=bars_stripes", "width=4", "optimizer.lr=0.05", *FAST[1:]]


def test_bars_and_stripes_has_fourteen_distinct_3x3_patterns():
    assert bars_and_stripes(3).shape == (14, 1, 3, 3)


def test_boltzmann_learning_raises_log_likelihood_above_uniform(make_cfg):
    initial = train(make_cfg([*BM, "train=false"], run_name="init"))["metrics"]
    trained = train(make_cfg([*BM, "trainer.max_epochs=6"], run_name="trained"))["metrics"]
    uniform = trained[
        "test/ll_uniform"
    ]  # 9 fair bits: -9 log 2 = -6.24; the best possible is -log 14 = -2.64
    assert initial["test/log_likelihood"] == pytest.approx(uniform, abs=0.1)  # small random couplings
    assert trained["test/log_likelihood"] > uniform + 2.0, trained


def test_width_beyond_enumeration_fails_in_one_line_naming_width(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        ["model=bm", "data=bars_stripes", "width=100"],
        "width: the Boltzmann machine enumerates all 2^(visible + hidden) states, so visible (9) + width must "
        "be <= model.net.max_units=20; got width=100 (try width=11 or less)",
    )

"""Hopfield: Hebbian storage recalls patterns from 20% corruption below capacity, and fails far above it."""

import importlib.util
from pathlib import Path

import pytest

from dlr.run.train import train
from tests.conftest import FAST


def test_hopfield_recalls_random_patterns_from_20_percent_corruption(make_cfg):
    record = train(
        make_cfg(
            [
                "model=hopfield",
                "data=patterns",
                "data.n_patterns=8",
                "width=100",
                "trainer.max_epochs=1",
                *FAST[1:],
            ]
        )
    )
    metrics = record["metrics"]
    # Baseline: the corrupted probe itself matches 80% of the bits; recall must restore (nearly) all.
    assert metrics["test/overlap_corrupted"] == pytest.approx(0.8)
    assert metrics["test/recall_rate"] >= 0.85 and metrics["test/overlap"] > 0.97


def test_hopfield_recalls_binarised_digits(make_cfg):
    record = train(
        make_cfg(
            [
                "model=hopfield",
                "data=patterns",
                "data.source=digits",
                "data.n_patterns=2",
                "trainer.max_epochs=1",
                *FAST[1:],
            ]
        )
    )
    assert record["metrics"]["test/recall_rate"] == 1.0  # both 8x8 digits restored exactly from 20% flips


def test_capacity_curve_collapses_between_a_tenth_and_a_quarter_of_n():
    path = Path(__file__).resolve().parents[2] / "scripts" / "hopfield_capacity.py"
    spec = importlib.util.spec_from_file_location("hopfield_capacity", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    # Criterion: at 0.05 N nearly every pattern is a stable memory; at 0.25 N (past ~0.14 N) almost none is.
    assert script.recall_rate(200, 10, corruption=0.0, match=0.99, trials=1, seed=0) >= 0.9
    assert script.recall_rate(200, 50, corruption=0.0, match=0.99, trials=1, seed=0) <= 0.2

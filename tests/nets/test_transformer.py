"""The self-attention encoder: it learns sequence classification and forecasting, and scales with width."""

import pytest
import torch

from dlr.nets.transformer import TransformerNet, sinusoidal_positions
from dlr.run.train import train
from tests.conftest import FAST


def test_transformer_learns_mnist1d_sequences_beating_chance(make_cfg):
    overrides = ["model=transformer", "data.view=sequence", "data.n_train=1000", "width=32", "depth=1"]
    record = train(make_cfg([*FAST, *overrides, "trainer.max_epochs=5"]))
    assert record["metrics"]["test/acc"] > 0.2  # chance is 0.1; measured 0.33


@pytest.mark.slow
def test_transformer_with_sinusoidal_positions_forecasts_sines_better_than_the_mean(make_cfg):
    overrides = [
        "model=transformer",
        "model.net.positions=sinusoidal",
        "data=sines",
        "data.n_series=8",
        "width=16",
    ]
    record = train(make_cfg([*FAST, *overrides, "depth=1", "trainer.max_epochs=6"]))
    mean_predictor = record["data"]["baseline/test_mean_mse"]  # about 1 on standardised series
    assert record["metrics"]["test/loss"] < 0.7 * mean_predictor


@pytest.mark.parametrize("width", [4, 16, 64])
def test_any_width_builds_on_signals_and_sequences(width):
    signal_net = TransformerNet((1, 40), 10, width=width, depth=1, data_info={"data_kind": "signal"})
    assert signal_net(torch.randn(2, 1, 40)).shape == (2, 10)
    sequence_net = TransformerNet((40, 3), 4, width=width, depth=2, positions="sinusoidal")
    assert sequence_net(torch.randn(2, 40, 3)).shape == (2, 4)


def test_sinusoidal_table_is_the_standard_one():
    table = sinusoidal_positions(50, 6)
    assert table.shape == (50, 6)
    torch.testing.assert_close(table[:, 0], torch.sin(torch.arange(50.0)))
    torch.testing.assert_close(table[:, 1], torch.cos(torch.arange(50.0)))

"""The 1-D MLP-Mixer learns mnist1d well beyond a linear model, and reads signals and sequences alike."""

import pytest
import torch

from dlr.errors import ConfigError
from dlr.nets.mixer import Mixer1D
from dlr.run.train import train
from tests.conftest import FAST


def test_mixer_learns_mnist1d_beyond_logistic_regression(make_cfg):
    budget = ["width=32", "data.num_samples=2000", "trainer.max_epochs=15"]
    record = train(make_cfg([*FAST, "model=mixer", *budget]))
    # Chance is 0.10; model=logistic reaches 0.24 on this budget (docs/adding_a_model.md).
    assert record["metrics"]["test/acc"] > 0.45, record["metrics"]


def test_a_signal_and_its_sequence_view_give_the_same_logits():
    torch.manual_seed(0)
    as_signal = Mixer1D((1, 40), 10, width=8, data_info={"data_kind": "signal"})
    as_sequence = Mixer1D((40, 1), 10, width=8, data_info={"data_kind": "sequence"})
    as_sequence.load_state_dict(as_signal.state_dict())
    x = torch.randn(5, 1, 40)
    torch.testing.assert_close(as_signal(x), as_sequence(x.transpose(1, 2)))


def test_a_patch_size_that_does_not_divide_the_length_fails_in_one_line():
    with pytest.raises(
        ConfigError, match=r"^model.net.patch_size: must divide the 40 steps of the input, got 3$"
    ):
        Mixer1D((40, 1), 10, patch_size=3)

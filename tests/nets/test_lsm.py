"""LSM: a linear readout of LIF spike counts classifies MNIST-1D sequences well above chance."""

from dlr.run.train import train
from tests.conftest import FAST


def test_lsm_readout_beats_chance_clearly_on_mnist1d_sequences(make_cfg):
    overrides = [
        "model=lsm",
        "data=mnist1d",
        "data.view=sequence",
        "data.num_samples=1000",
        "width=100",
        "trainer.max_epochs=1",
    ]
    record = train(make_cfg([*overrides, *FAST[1:]]))
    assert record["metrics"]["test/acc"] > 0.25  # chance is 0.1 (10 balanced classes)

"""ESN: a ridge readout of a leaky reservoir forecasts Mackey-Glass far better than persistence."""

import math

from dlr.run.train import train
from dlr.tasks.from_config import build_datamodule
from tests.conftest import FAST


def test_esn_forecast_nrmse_is_well_under_persistence(make_cfg):
    cfg = make_cfg(
        ["model=esn", "data=mackey_glass", "data.length=1200", "width=150", "trainer.max_epochs=1", *FAST[1:]]
    )
    record = train(cfg)
    data = build_datamodule(cfg)
    # Baseline: persistence (repeat the window's last value over the horizon), normalised like test/nrmse.
    persistence_nrmse = math.sqrt(data.baselines["baseline/test_persistence_mse"]) / float(
        data.test.y.std(unbiased=False)
    )
    assert record["metrics"]["test/nrmse"] < 0.2 * persistence_nrmse, (
        record["metrics"]["test/nrmse"],
        persistence_nrmse,
    )

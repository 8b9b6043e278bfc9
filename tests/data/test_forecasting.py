"""Generated forecasting series: Mackey-Glass is the known attractor, windows never leak across the split."""

import numpy as np
import torch

from dlr.data.forecasting import ForecastingDataModule, mackey_glass, sine_mixture, sliding_windows


def test_mackey_glass_stays_on_its_attractor_and_is_deterministic():
    x = mackey_glass(1000)
    assert x.shape == (1000,) and x.dtype == np.float32
    assert 0.2 < x.min() < 0.6 and 1.1 < x.max() < 1.45  # the tau=17 attractor spans roughly 0.4 .. 1.3
    np.testing.assert_array_equal(x, mackey_glass(1000))
    assert not np.allclose(x, mackey_glass(1000, seed=1))  # a seed perturbs the initial history
    # Chaotic, not periodic: the series does not repeat itself after any short lag.
    lags = [np.abs(x[lag:] - x[:-lag]).mean() for lag in range(10, 200)]
    assert min(lags) > 0.01


def test_sliding_windows_pair_each_window_with_the_values_that_follow():
    series = torch.arange(20.0).view(2, 10)
    x, y = sliding_windows(series, window=3, horizon=2)
    assert x.shape == (2 * 6, 3, 1) and y.shape == (12, 2)
    assert x[0, :, 0].tolist() == [0, 1, 2] and y[0].tolist() == [3, 4]
    assert x[6, :, 0].tolist() == [10, 11, 12]  # the second series starts its own windows


def test_forecasting_datamodule_shapes_split_in_time_and_baselines():
    dm = ForecastingDataModule(
        name="sines", window=16, horizon=4, n_series=4, length=120, noise=0.0, val_fraction=0.0
    )
    dm.setup()
    assert dm.input_shape == (16, 1) and dm.output_size == 4 and dm.task_type == "regression"
    assert dm.data_kind == "sequence"
    # The last 24 steps of each series are the test range: 24 - 16 - 4 + 1 windows per series, none before.
    assert len(dm.test.x) == 4 * 5 and len(dm.train.x) == 4 * (96 - 20 + 1)
    raw = torch.from_numpy(sine_mixture(4, 120))
    train_part = raw[:, :96]
    standardised = (raw - train_part.mean()) / train_part.std()
    torch.testing.assert_close(dm.test.x[0, :, 0], standardised[0, 96:112])
    info = dm.describe()
    assert 0.5 < info["baseline/test_mean_mse"] < 2.0 and info["baseline/test_persistence_mse"] > 0

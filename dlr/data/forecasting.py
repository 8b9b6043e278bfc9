"""Generated time series for forecasting: Mackey-Glass and mixtures of sines, cut into sliding windows.

Each sample is a window of ``window`` past values, shape ``(window, 1)``, and its target is the next
``horizon`` values. Every series is split in time (the last ``test_fraction`` of each series is the test
range), so no test window overlaps a training window. Values are standardised with the training range's
mean and standard deviation, so the mean predictor scores an MSE near 1 and an R^2 near 0.
"""

import numpy as np
import torch

from dlr.data.base import Split, TensorDataModule
from dlr.errors import require

SERIES = ("mackey_glass", "sines")


def mackey_glass(
    n_steps: int,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    exponent: float = 10.0,
    sample_every: float = 1.0,
    integration_step: float = 0.1,
    washout: int = 500,
    x0: float = 1.2,
    seed: int | None = None,
) -> np.ndarray:
    """``n_steps`` samples of Mackey-Glass: dx/dt = beta x(t-tau) / (1 + x(t-tau)^exponent) - gamma x.

    Integrated with fourth-order Runge-Kutta at ``integration_step`` (the delayed term at half steps is the
    mean of its two neighbouring history points), sampled every ``sample_every`` time units, after dropping
    ``washout`` samples of transient. The history before t=0 is the constant ``x0`` (the classic setup);
    a ``seed`` perturbs it so several series differ. tau=17 gives the usual mildly chaotic benchmark.
    """
    require(n_steps >= 1, "n_steps", f"must be >= 1, got {n_steps}")
    require(tau > 0 and integration_step > 0, "tau", "tau and integration_step must be > 0")
    lag = int(round(tau / integration_step))
    stride = int(round(sample_every / integration_step))
    require(
        stride >= 1, "sample_every", f"must be >= integration_step ({integration_step}), got {sample_every}"
    )
    n_sub = (n_steps + washout) * stride
    history = np.full(lag + n_sub + 1, x0, dtype=np.float64)
    if seed is not None:
        history[: lag + 1] += 0.2 * np.random.default_rng(seed).uniform(-1.0, 1.0, lag + 1)

    def slope(x: float, delayed: float) -> float:
        return beta * delayed / (1.0 + delayed**exponent) - gamma * x

    h = integration_step
    for i in range(lag, lag + n_sub):
        x, d0, d1 = history[i], history[i - lag], history[i - lag + 1]
        d_half = 0.5 * (d0 + d1)
        k1 = slope(x, d0)
        k2 = slope(x + 0.5 * h * k1, d_half)
        k3 = slope(x + 0.5 * h * k2, d_half)
        k4 = slope(x + h * k3, d1)
        history[i + 1] = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    samples = history[lag + 1 :: stride]
    return samples[washout : washout + n_steps].astype(np.float32)


def sine_mixture(n_series: int, length: int, n_components: int = 3, seed: int = 0) -> np.ndarray:
    """``(n_series, length)`` sums of sines with random periods (6..40 steps), amplitudes and phases."""
    rng = np.random.default_rng(seed)
    periods = rng.uniform(6.0, 40.0, (n_series, n_components, 1))
    amplitudes = rng.uniform(0.3, 1.0, (n_series, n_components, 1))
    phases = rng.uniform(0.0, 2 * np.pi, (n_series, n_components, 1))
    t = np.arange(length, dtype=np.float64)
    return (amplitudes * np.sin(2 * np.pi * t / periods + phases)).sum(1).astype(np.float32)


def sliding_windows(series: torch.Tensor, window: int, horizon: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All (input, target) pairs of ``(n_series, length)`` series: ``(N, window, 1)`` and ``(N, horizon)``."""
    frames = series.unfold(1, window + horizon, 1).reshape(-1, window + horizon)
    return frames[:, :window].unsqueeze(-1).contiguous(), frames[:, window:].contiguous()


class ForecastingDataModule(TensorDataModule):
    data_kind = "sequence"

    def __init__(
        self,
        name: str = "mackey_glass",
        window: int = 32,
        horizon: int = 1,
        n_series: int = 1,
        length: int = 2000,
        noise: float = 0.0,
        test_fraction: float = 0.2,
        n_components: int = 3,
        tau: float = 17.0,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(name in SERIES, "data.name", f"must be one of {', '.join(SERIES)}, got {name!r}")
        require(
            window >= 1 and horizon >= 1,
            "data.window",
            f"window and horizon must be >= 1, got {window}, {horizon}",
        )
        require(n_series >= 1, "data.n_series", f"must be >= 1, got {n_series}")
        require(noise >= 0.0, "data.noise", f"must be >= 0, got {noise}")
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        n_test_steps = int(round(test_fraction * length))
        require(
            min(n_test_steps, length - n_test_steps) > window + horizon,
            "data.length",
            f"{length} leaves too few steps for window + horizon = {window + horizon} in train or test",
        )
        self.name, self.window, self.horizon = name, window, horizon
        self.n_series, self.length, self.noise, self.test_fraction = n_series, length, noise, test_fraction
        self.n_components, self.tau, self.dataset_seed = n_components, tau, dataset_seed
        self.baselines: dict[str, float] = {}

    def generate(self) -> torch.Tensor:
        """The raw ``(n_series, length)`` series, before noise and standardisation."""
        if self.name == "sines":
            return torch.from_numpy(
                sine_mixture(self.n_series, self.length, self.n_components, self.dataset_seed)
            )
        seeds = [None] if self.n_series == 1 else [self.dataset_seed * 1000 + i for i in range(self.n_series)]
        return torch.from_numpy(np.stack([mackey_glass(self.length, tau=self.tau, seed=s) for s in seeds]))

    def load(self) -> tuple[Split, Split]:
        values = self.generate()
        n_train_steps = self.length - int(round(self.test_fraction * self.length))
        train_range = values[:, :n_train_steps]
        values = (values - train_range.mean()) / train_range.std().clamp_min(1e-8)
        if self.noise > 0:
            generator = torch.Generator().manual_seed(self.dataset_seed + 7)
            values = values + self.noise * torch.randn(values.shape, generator=generator)
        train = Split(*sliding_windows(values[:, :n_train_steps], self.window, self.horizon))
        test = Split(*sliding_windows(values[:, n_train_steps:], self.window, self.horizon))
        self.baselines = self._baselines(train, test)
        return train, test

    @staticmethod
    def _baselines(train: Split, test: Split) -> dict[str, float]:
        """Test MSE of the two naive forecasts a model must beat: the training mean and the last value."""
        mean_prediction = train.y.mean()
        persistence = test.x[:, -1, :].expand_as(test.y)
        return {
            "baseline/test_mean_mse": float(((test.y - mean_prediction) ** 2).mean()),
            "baseline/test_persistence_mse": float(((test.y - persistence) ** 2).mean()),
        }

    def describe(self) -> dict:
        return {
            **super().describe(),
            "series": self.name,
            "window": self.window,
            "horizon": self.horizon,
            **self.baselines,
        }

"""Double-descent plots of a sweep table: error and loss against parameter count, and against p_test.

One curve per combination of the swept overrides other than the capacity knob and the seed (e.g. one
per label-noise level), with a band of one standard deviation over seeds. The interpolation threshold
is marked at n training samples, or n*K for a K-output squared loss.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dlr.studies.aggregate import swept_keys  # noqa: E402
from dlr.studies.theory import THEORIES  # noqa: E402

CURVES_NAME = "double_descent.png"
EFFECTIVE_NAME = "effective_parameters.png"
PARAMS = "params/total"
P_TRAIN, P_TEST = "effective/p_train", "effective/p_test"


def _panels(table: pd.DataFrame) -> list[tuple[str, str]]:
    wanted = [
        ("test/error", "test error"),
        ("train/error", "train error"),
        ("test/loss", "test loss"),
        ("train/loss", "train loss"),
    ]
    present = [(key, label) for key, label in wanted if key in table and table[key].notna().any()]
    return present[:3]


def _groups(table: pd.DataFrame, knob: str):
    """(label, rows) per curve: rows of one combination of the non-knob, non-seed overrides."""
    keys = [k for k in swept_keys(table) if k != knob]
    if not keys:
        yield "", table
        return
    for values, rows in table.groupby(keys, dropna=False, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        yield ", ".join(f"{k.split('.')[-1]}={v}" for k, v in zip(keys, values, strict=True)), rows


def _mean_std(rows: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    stats = rows.groupby(x)[y].agg(["mean", "std", "count"]).reset_index().sort_values(x)
    return stats.fillna({"std": 0.0})


def thresholds(table: pd.DataFrame, threshold: str = "n") -> list[float]:
    """Parameter counts at which the training set can first be interpolated."""
    n = table.get("data/n_train", pd.Series(dtype=float)).dropna()
    if threshold == "n_outputs":
        n = n * table.loc[n.index, "data/output_size"]
    return sorted(set(n.astype(float)))


def _theory(ax, settings: dict, table: pd.DataFrame) -> None:
    curve = THEORIES[settings["theory"]]
    n = float(table["data/n_train"].dropna().iloc[0])
    p = np.geomspace(table[PARAMS].min(), table[PARAMS].max(), 400)
    p = p[np.abs(p / n - 1.0) > 0.02]
    risk = curve(p / n, settings["noise_var"], settings["signal_norm"] ** 2)
    ax.plot(p, risk, "k--", lw=1.2, label="theory (Hastie et al. 2019)")
    finite = table["test/loss"].dropna()
    ax.set_ylim(0.0, max(3.0 * float(finite.median()), 1e-3))


def plot_curves(table: pd.DataFrame, out_dir: str | Path, settings: dict | None = None) -> Path | None:
    """Write the double-descent figure; its path, or None when no completed job has a parameter count."""
    settings = dict(settings or {})
    done = table[table["status"] == "completed"] if "status" in table else table
    if done.empty or PARAMS not in done:
        return None
    panels = _panels(done)
    knob = settings.get("knob", "width")
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (key, label) in zip(axes[0], panels, strict=True):
        for name, rows in _groups(done, knob):
            stats = _mean_std(rows, PARAMS, key)
            line = ax.plot(stats[PARAMS], stats["mean"], "o-", ms=3, label=name or None)[0]
            ax.fill_between(
                stats[PARAMS],
                stats["mean"] - stats["std"],
                stats["mean"] + stats["std"],
                color=line.get_color(),
                alpha=0.2,
            )
        for value in thresholds(done, settings.get("threshold", "n")):
            ax.axvline(value, color="grey", ls=":", lw=1)
        if key == "test/loss" and settings.get("theory"):
            _theory(ax, settings, done)
        ax.set(xscale="log", xlabel="parameters", ylabel=label, title=label)
    axes[0][0].legend(fontsize=8) if axes[0][0].get_legend_handles_labels()[0] else None
    figure.suptitle(settings.get("title", "double descent (dotted: interpolation threshold)"))
    figure.tight_layout()
    path = Path(out_dir) / CURVES_NAME
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def plot_effective(table: pd.DataFrame, out_dir: str | Path, settings: dict | None = None) -> Path | None:
    """Curth et al. (2023): p_train and p_test against raw parameters, and test error against p_test."""
    settings = dict(settings or {})
    done = table[table["status"] == "completed"] if "status" in table else table
    if done.empty or P_TEST not in done:
        return None
    error = "test/error" if "test/error" in done else "test/loss"
    knob = settings.get("knob", "width")
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, rows in _groups(done, knob):
        for key, style in ((P_TRAIN, "s--"), (P_TEST, "o-")):
            stats = _mean_std(rows, PARAMS, key)
            left.plot(stats[PARAMS], stats["mean"], style, ms=3, label=f"{key.split('/')[-1]} {name}".strip())
        # Connect the points in capacity order, so a curve that folds back on itself shows as a U.
        ordered = rows.groupby(knob)[[P_TEST, error]].mean().sort_index()
        right.plot(ordered[P_TEST], ordered[error], "o-", ms=3, label=name or None)
    for value in thresholds(done, settings.get("threshold", "n")):
        left.axvline(value, color="grey", ls=":", lw=1)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="parameters",
        ylabel="effective parameters",
        title="effective parameters",
    )
    right.set(
        xscale="log",
        xlabel="effective parameters on test inputs (p_test)",
        ylabel=error,
        title=f"{error} against p_test",
    )
    left.legend(fontsize=7)
    right.legend(fontsize=7) if right.get_legend_handles_labels()[0] else None
    figure.tight_layout()
    path = Path(out_dir) / EFFECTIVE_NAME
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path

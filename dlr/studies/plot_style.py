"""What every study figure shares: one colour per curve across panels, seed bands, percent errors, arrows.

A curve is one combination of the swept overrides other than the capacity knob(s) and the seed, and it keeps
its colour in every panel and figure of a sweep. Errors are drawn in percent, with a band of one standard
deviation over seeds where a sweep ran several.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

PALETTE = plt.get_cmap("tab10").colors
DPI = 150
PERCENT_KEYS = {"test/error", "train/error", "val/error"}
LABELS = {
    "test/error": "test error (%)",
    "train/error": "train error (%)",
    "test/loss": "test loss",
    "train/loss": "train loss",
    "test/acc": "test accuracy (%)",
}


def label_of(key: str) -> str:
    return LABELS.get(key, key)


def scale_of(key: str) -> float:
    """Errors and accuracies are stored as fractions and drawn in percent."""
    return 100.0 if key in PERCENT_KEYS or key.endswith("/acc") else 1.0


def colour_map(names: list[str]) -> dict[str, tuple]:
    return {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(names)}


def mean_std(rows: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Mean, std and count of ``y`` over seeds at each ``x``, sorted by ``x`` (std 0 for a single seed)."""
    rows = rows.dropna(subset=[x, y])
    stats = rows.groupby(x)[y].agg(["mean", "std", "count"]).reset_index().sort_values(x)
    return stats.fillna({"std": 0.0})


def draw_band(ax, stats: pd.DataFrame, x: str, colour, label: str | None, scale: float = 1.0, **style):
    """The mean over seeds as a line, one std either side as a shaded band."""
    mean, std = stats["mean"] * scale, stats["std"] * scale
    ax.plot(stats[x], mean, color=colour, label=label, ms=3, **({"marker": "o", "ls": "-"} | style))
    if (stats["count"] > 1).any():
        ax.fill_between(stats[x], mean - std, mean + std, color=colour, alpha=0.2, lw=0)


def log_if_wide(ax, values: pd.Series, ratio: float = 30.0) -> None:
    """Log y when the positive values span more than ``ratio`` (a loss exploding at the threshold)."""
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) and values.max() / values.min() > ratio:
        ax.set_yscale("log")


def capacity_arrows(ax, x: np.ndarray, y: np.ndarray, colour, log_x: bool = True) -> None:
    """Arrows between successive points in the order capacity grows, so a loop shows its direction."""
    for index in range(len(x) - 1):
        ax.annotate(
            "",
            xy=(x[index + 1], y[index + 1]),
            xytext=(x[index], y[index]),
            arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.0, "shrinkA": 2, "shrinkB": 2},
        )
    ax.plot(x[:1], y[:1], marker="o", mfc="white", mec=colour, ls="none", ms=6)  # the smallest model
    if log_x:
        ax.set_xscale("log")


def legend_outside(ax) -> None:
    """The legend right of ``ax``, so it never hides a curve."""
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def save(figure, path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(figure)

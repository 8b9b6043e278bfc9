"""Double-descent plots of a sweep table: error and loss against capacity, and effective parameters.

One curve per combination of the swept overrides other than the capacity knob and the seed (e.g. one per
label-noise level), the same colour in every panel, with a band of one standard deviation over seeds.
The x axis is the parameter count (``study.x_axis: params``) or the knob itself (``knob``: hidden units).
The interpolation threshold is drawn where it is defined (``study.threshold``): at p = n (``n``) or
p = n*K (``n_outputs``) for squared loss, or, for any loss, where the mean train error first reaches zero
(``interpolation``: measured, one line per curve; for regression, where the train loss first falls
below 1e-3 of its largest value). Each line has a legend entry saying which it is.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from dlr.analysis.theory import THEORIES
from dlr.studies.aggregate import swept_keys
from dlr.studies.plot_style import (
    capacity_arrows,
    colour_map,
    draw_band,
    label_of,
    legend_outside,
    log_if_wide,
    mean_std,
    plt,
    save,
    scale_of,
)

CURVES_NAME = "double_descent.png"
EFFECTIVE_NAME = "effective_parameters.png"
PARAMS = "params/total"
P_TRAIN, P_TEST = "effective/p_train", "effective/p_test"
THRESHOLDS = ("n", "n_outputs", "interpolation", "none")


def completed(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["status"] == "completed"] if "status" in table else table


def x_axis(table: pd.DataFrame, settings: dict) -> tuple[str, str] | None:
    """(column, axis label) of the capacity axis, or None when the sweep has no numeric capacity axis."""
    knob = settings.get("knob", "width")
    if knob not in swept_keys(table):  # e.g. a sweep over models: nothing grows along an axis
        return None
    by_params = settings.get("x_axis", "params") == "params"
    if by_params and PARAMS in table and table[PARAMS].notna().all():
        return PARAMS, "parameters"
    if pd.api.types.is_numeric_dtype(table[knob]):
        return knob, settings.get("knob_label", knob)
    return None


def _pretty(key: str, value, settings: dict | None = None) -> str:
    settings = settings or {}
    named = {settings.get("second_knob"): settings.get("second_label")}
    name = named.get(key) or key.split(".")[-1].replace("_", " ")
    if name == "label noise":
        return f"label noise {float(value):.0%}"
    return f"{name} = {value}"


def groups(table: pd.DataFrame, settings: dict) -> list[tuple[str, pd.DataFrame]]:
    """(label, rows) per curve: rows of one combination of the non-knob, non-seed overrides."""
    keys = [k for k in swept_keys(table) if k != settings.get("knob", "width")]
    if not keys:
        return [("", table)]
    found = []
    for values, rows in table.groupby(keys, dropna=False, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        found.append((", ".join(_pretty(k, v, settings) for k, v in zip(keys, values, strict=True)), rows))
    return found


def context(table: pd.DataFrame) -> str:
    """The facts every curve shares, for the title: n, the label noise when only one level ran, the seeds."""
    facts = []
    n = table.get("data/n_train", pd.Series(dtype=float)).dropna().unique()
    if len(n) == 1:
        facts.append(f"n = {int(n[0])}")
    noise = table.get("data/label_noise", pd.Series(dtype=float)).dropna().unique()
    regression = "regression" in set(table.get("data/task_type", pd.Series(dtype=str)).dropna())
    if len(noise) == 1 and not regression and not any("label_noise" in key for key in swept_keys(table)):
        facts.append(_pretty("label_noise", noise[0]))
    seeds = table["seed"].nunique() if "seed" in table else 1
    facts.append(f"mean ± std over {seeds} seeds" if seeds > 1 else "one seed")
    return ", ".join(facts)


def _first_zero_train_error(rows: pd.DataFrame, x: str) -> float | None:
    """The smallest x that fits the training set (measured, not assumed): a mean train error below one
    sample for classes; for regression a train loss below 1e-3 of the curve's largest."""
    if "train/error" in rows and rows["train/error"].notna().any():
        n = float(rows["data/n_train"].dropna().iloc[0]) if "data/n_train" in rows else np.inf
        stats = mean_std(rows, x, "train/error")
        zero = stats[stats["mean"] * n < 1.0]
    elif "train/loss" in rows and rows["train/loss"].notna().any():
        stats = mean_std(rows, x, "train/loss")
        zero = stats[stats["mean"] < 1e-3 * stats["mean"].max()]
    else:
        return None
    return float(zero[x].iloc[0]) if len(zero) else None


def draw_thresholds(ax, table, x, settings, curves, colours) -> None:
    kind = settings.get("threshold", "n")
    if kind == "interpolation":
        for name, rows in curves:
            value = _first_zero_train_error(rows, x)
            if value is not None:
                label = f"training set first fitted (measured){': ' + name if name else ''}, at {value:g}"
                ax.axvline(value, color=colours[name], ls=":", lw=1.5, label=label)
        return
    if kind not in ("n", "n_outputs") or x != PARAMS or "data/n_train" not in table:
        return
    n = table["data/n_train"].dropna()
    outputs = table.loc[n.index, "data/output_size"] if kind == "n_outputs" else 1
    for value in sorted(set((n * outputs).astype(float))):
        label = f"interpolation threshold p = n = {value:g}"
        if kind == "n_outputs":
            label = f"interpolation threshold p = n·K = {value:g}"
        ax.axvline(value, color="black", ls=":", lw=1.2, label=label)


def _theory(ax, settings: dict, table: pd.DataFrame) -> None:
    curve = THEORIES[settings["theory"]]
    n = float(table["data/n_train"].dropna().iloc[0])
    p = np.geomspace(table[PARAMS].min(), table[PARAMS].max(), 400)
    p = p[np.abs(p / n - 1.0) > 0.02]
    risk = curve(p / n, settings["noise_var"], settings["signal_norm"] ** 2)
    ax.plot(p, risk, "k--", lw=1.2, label="theory (Hastie et al. 2019)")


def _panels(table: pd.DataFrame) -> list[str]:
    wanted = ("test/error", "train/error", "test/loss", "train/loss")
    return [key for key in wanted if key in table and table[key].notna().any()][:3]


def plot_curves(table: pd.DataFrame, out_dir: str | Path, settings: dict | None = None) -> Path | None:
    """Write the double-descent figure; its path, or None when the sweep has no capacity axis."""
    settings = dict(settings or {})
    done = completed(table)
    axis = x_axis(done, settings) if not done.empty else None
    panels = _panels(done)
    if axis is None or not panels:
        return None
    x, x_label = axis
    curves = groups(done, settings)
    colours = colour_map([name for name, _ in curves])
    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2), squeeze=False)
    for ax, key in zip(axes[0], panels, strict=True):
        for name, rows in curves:
            draw_band(ax, mean_std(rows, x, key), x, colours[name], name or None, scale_of(key))
        draw_thresholds(ax, done, x, settings, curves, colours)
        if key == "test/loss" and settings.get("theory"):
            _theory(ax, settings, done)
        if "loss" in key:
            log_if_wide(ax, done[key] * scale_of(key))
        ax.set(xscale="log", xlabel=x_label, ylabel=label_of(key), title=label_of(key))
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        axes[0][-1].legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    title = settings.get("title", "double descent")
    figure.suptitle(f"{title}\n{context(done)}", fontsize=10)
    path = Path(out_dir) / CURVES_NAME
    save(figure, path)
    return path


def _training_set_size(table: pd.DataFrame) -> float | None:
    n = table.get("data/n_train", pd.Series(dtype=float)).dropna().unique()
    return float(n[0]) if len(n) == 1 else None


def finish_p_test_axis(ax, error: str, done: pd.DataFrame, title: str, hollow_label: str) -> None:
    """The panel of ``error`` against p̂_test, once its curves are drawn: what the hollow (smallest-model)
    markers mean, axis labels, a log scale when the errors span decades, grid and legend."""
    ax.plot([], [], "o", mfc="white", mec="k", label=hollow_label)
    ax.set(xlabel="effective parameters on test inputs p̂_test", ylabel=label_of(error))
    ax.set_title(title)
    log_if_wide(ax, done[error] * scale_of(error))
    ax.grid(alpha=0.3)
    legend_outside(ax)


def plot_effective(table: pd.DataFrame, out_dir: str | Path, settings: dict | None = None) -> Path | None:
    """Curth et al. (2023): p_train and p_test against capacity, and test error against p_test."""
    settings = dict(settings or {})
    done = completed(table)
    axis = x_axis(done, settings) if not done.empty and P_TEST in done else None
    if axis is None:
        return None
    x, x_label = axis
    error = "test/error" if "test/error" in done else "test/loss"
    curves = groups(done, settings)
    colours = colour_map([name for name, _ in curves])
    n = _training_set_size(done)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.4))
    for name, rows in curves:
        colour = colours[name]
        draw_band(left, mean_std(rows, x, P_TRAIN), x, colour, None, marker="s", ls="--")
        draw_band(left, mean_std(rows, x, P_TEST), x, colour, name or None)
        # Points joined in the order capacity grows, with arrows: a curve folding back on itself is visible.
        ordered = rows.groupby(x)[[P_TEST, error]].mean().sort_index()
        right.plot(
            ordered[P_TEST], ordered[error] * scale_of(error), "o", color=colour, ms=3, label=name or None
        )
        capacity_arrows(
            right, ordered[P_TEST].to_numpy(), (ordered[error] * scale_of(error)).to_numpy(), colour
        )
    left.plot([], [], "k--s", ms=3, label="p̂ on train inputs")
    left.plot([], [], "k-o", ms=3, label="p̂ on test inputs")
    if n is not None:
        left.axhline(n, color="grey", ls="-.", lw=1, label=f"p̂ = n = {n:g}")
        right.axvline(n, color="grey", ls="-.", lw=1, label=f"p̂_test = n = {n:g}")
    left.set(xscale="log", yscale="log", xlabel=x_label, ylabel="effective parameters p̂")
    left.set_title("effective parameters (Curth et al. 2023)")
    left.grid(alpha=0.3)
    legend_outside(left)
    finish_p_test_axis(
        right, error, done, f"{label_of(error)} against p̂_test", "smallest model; arrows: capacity grows"
    )
    figure.suptitle(f"{settings.get('title', 'effective parameters')}\n{context(done)}", fontsize=10)
    path = Path(out_dir) / EFFECTIVE_NAME
    save(figure, path)
    return path

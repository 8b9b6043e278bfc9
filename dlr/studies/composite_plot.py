"""Two capacity axes joined into one, as Curth, Jeffares & van der Schaar (2023) draw trees, boosting and RFF.

A sweep over ``study.knob`` (leaves per tree, boosting rounds, principal components) times
``study.second_knob`` (trees, boosted models, raw features) is read along the paper's composite path: the
first axis grows at the smallest value of the second, then the second grows at the largest value of the
first. Left: error along that path, whose "double descent" is the join of two separate curves. Middle:
effective parameters along it. Right: error against p_test, one curve per value of the second axis, with
arrows where capacity grows: unfolded, each is an ordinary curve.
"""

from pathlib import Path

import pandas as pd

from dlr.studies.plot_style import (
    capacity_arrows,
    colour_map,
    label_of,
    log_if_wide,
    plt,
    save,
    scale_of,
)
from dlr.studies.plots import P_TEST, P_TRAIN, completed, context, finish_p_test_axis

COMPOSITE_NAME = "composite_axis.png"


def composite_path(table: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """Seed means along the path, in order, with a ``leg`` column (1: first axis grows, 2: second grows)."""
    numeric = table.select_dtypes("number").columns.difference([first, second, "seed"])
    means = table.groupby([first, second])[list(numeric)].mean().reset_index()
    start, corner = means[second].min(), means[first].max()
    leg1 = means[means[second] == start].sort_values(first).assign(leg=1)
    leg2 = means[(means[first] == corner) & (means[second] > start)].sort_values(second).assign(leg=2)
    return pd.concat([leg1, leg2], ignore_index=True)


def _tick_label(row, first: str, second: str) -> str:
    return f"{row[first]:g}" if row["leg"] == 1 else f"{row[second]:g}"


def plot_composite(table: pd.DataFrame, out_dir: str | Path, settings: dict | None = None) -> Path | None:
    """Write the composite-axis figure; None unless ``study.second_knob`` names a swept numeric key."""
    settings = dict(settings or {})
    first, second = settings.get("knob", "width"), settings.get("second_knob")
    done = completed(table)
    if not second or done.empty or first not in done or second not in done or P_TEST not in done:
        return None
    error = "test/error" if "test/error" in done else "test/loss"
    train_error = error.replace("test/", "train/")
    first_label, second_label = settings.get("knob_label", first), settings.get("second_label", second)
    path = composite_path(done, first, second)
    position = range(len(path))
    switch = (path["leg"] == 1).sum() - 0.5
    figure, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    left, middle, right = axes
    left.plot(position, path[error] * scale_of(error), "o-", color="C3", ms=4, label=label_of(error))
    if train_error in path:
        left.plot(
            position,
            path[train_error] * scale_of(train_error),
            "s--",
            color="C0",
            ms=3,
            label=label_of(train_error),
        )
    middle.plot(position, path[P_TRAIN], "s--", color="C0", ms=3, label="p̂ on train inputs")
    middle.plot(position, path[P_TEST], "o-", color="C3", ms=4, label="p̂ on test inputs")
    middle.set_yscale("log")
    ticks = [_tick_label(row, first, second) for _, row in path.iterrows()]
    start, corner = path[second].iloc[0], path[first].max()
    for ax in (left, middle):
        ax.axvline(switch, color="black", ls=":", lw=1.2, label="axis switch")
        ax.set_xticks(list(position), ticks, fontsize=7, rotation=60)
        ax.set_xlabel(
            f"{first_label} ({second_label} = {start:g}), then\n{second_label} ({first_label} = {corner:g})"
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    left.set(
        ylabel="error (%)" if error == "test/error" else "mean squared error",
        title="along the composite axis",
    )
    log_if_wide(left, path[error] * scale_of(error))
    middle.set(ylabel="effective parameters p̂", title="effective parameters along the composite axis")

    values = sorted(done[second].unique())
    colours = colour_map([f"{v:g}" for v in values])
    for value in values:
        rows = done[done[second] == value].groupby(first)[[P_TEST, error]].mean().sort_index()
        colour = colours[f"{value:g}"]
        right.plot(
            rows[P_TEST],
            rows[error] * scale_of(error),
            "o",
            color=colour,
            ms=3,
            label=f"{second_label} = {value:g}",
        )
        capacity_arrows(right, rows[P_TEST].to_numpy(), (rows[error] * scale_of(error)).to_numpy(), colour)
    finish_p_test_axis(
        right,
        error,
        done,
        f"unfolded: one curve per {second_label}",
        f"smallest {first_label}; arrows: it grows",
    )
    figure.suptitle(f"{settings.get('title', 'composite capacity axis')}\n{context(done)}", fontsize=10)
    out = Path(out_dir) / COMPOSITE_NAME
    save(figure, out)
    return out

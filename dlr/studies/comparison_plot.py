"""Sweeps without a capacity axis (``model=a,b data=x,y``, ``experiment=mnist1d_benchmark``): one bar per run kind.

Bars show the mean over seeds of the main test metric (accuracy in percent, else the loss), with one
standard deviation as error bars; one group of bars per value of the first swept key, one colour per
combination of the others; ``study.reference`` adds published values as black bars.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from dlr.studies.aggregate import swept_keys
from dlr.studies.plot_style import colour_map, label_of, plt, save, scale_of
from dlr.studies.plots import completed, context

COMPARISON_NAME = "comparison.png"


def _metric(table: pd.DataFrame) -> str | None:
    for key in ("test/acc", "test/loss"):
        if key in table and table[key].notna().any():
            return key
    return None


def plot_comparison(table: pd.DataFrame, out_dir: str | Path, settings: dict | None = None) -> Path | None:
    settings = dict(settings or {})
    done = completed(table)
    keys = swept_keys(done) if not done.empty else []
    metric = _metric(done) if keys else None
    if metric is None:
        return None
    first, others = keys[0], keys[1:]
    done = done.assign(_hue=done[others].astype(str).agg(", ".join, axis=1) if others else "")
    stats = done.groupby([first, "_hue"])[metric].agg(["mean", "std"]).fillna(0.0).reset_index()
    categories, hues = list(dict.fromkeys(stats[first])), list(dict.fromkeys(stats["_hue"]))
    colours = colour_map(hues)
    width = 0.8 / len(hues)
    figure, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(categories) * max(1, len(hues) / 2)), 4.2))
    for index, hue in enumerate(hues):
        rows = stats[stats["_hue"] == hue].set_index(first).reindex(categories)
        where = np.arange(len(categories)) + (index - (len(hues) - 1) / 2) * width
        mean, std = rows["mean"] * scale_of(metric), rows["std"] * scale_of(metric)
        bars = ax.bar(where, mean, width, yerr=std, capsize=3, color=colours[hue], label=hue or None)
        ax.bar_label(bars, fmt="%.1f" if scale_of(metric) > 1 else "%.3g", fontsize=7, padding=2)
    # Published values to compare with (study.reference: {category: value in the plotted unit}).
    reference = settings.get("reference") or {}
    marked = [(i, reference[str(c)]) for i, c in enumerate(categories) if str(c) in reference]
    for number, (index, value) in enumerate(marked):
        ax.hlines(
            value, index - 0.45, index + 0.45, colors="black", lw=2, label=None if number else "published"
        )
    ax.set_xticks(range(len(categories)), [str(c) for c in categories])
    ax.set(xlabel=first.split(".")[-1].replace("_", " "), ylabel=label_of(metric))
    ax.grid(axis="y", alpha=0.3)
    if any(hues) or marked:
        ax.legend(fontsize=7, title=", ".join(k.split(".")[-1] for k in others) or None, title_fontsize=7)
    ax.set_title(f"{settings.get('title', label_of(metric))}\n{context(done)}", fontsize=10)
    path = Path(out_dir) / COMPARISON_NAME
    save(figure, path)
    return path

"""The figure of a mechanism sweep (experiment=tabular_mechanisms): test score against the probe, per model.

Reads every run record of a sweep directory, finds the ``data.*`` probe the sweep varied
(``uninformative_features``, ``rotate``, ``smooth_target``) and plots each model's test score (accuracy or
R2), mean ± std over the swept ``data.split_seed``, against it, one panel per table: trees solid, nets
dashed, as in Grinsztajn et al. (2022), Figures 2, 4 and 5. ``experiment=tabular_mechanisms`` installs :class:`MechanismFigures` as the
sweep's callback, so the figure is written when the sweep ends; ``python -m dlr.studies.tabular_mechanisms <sweep
dir>`` writes it again (``mechanism_<probe>.png``, ``.csv`` and ``.md``, the scores as a table, in the sweep
directory).
"""

import json
import sys
from pathlib import Path

import matplotlib
import pandas as pd

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (the backend is chosen first)
from omegaconf import DictConfig  # noqa: E402

from dlr import console  # noqa: E402
from dlr.studies.hydra_callback import SweepCallback  # noqa: E402
from dlr.studies.tabular_report import SCORES  # noqa: E402

PROBES = {
    "uninformative_features": "uninformative features added (per original feature)",
    "rotate": "features randomly rotated",
    "smooth_target": "training-target smoothing scale (median distances)",
}


def load_runs(sweep_dir: str | Path) -> pd.DataFrame:
    """One row per completed run: dataset, model, family (tree or net), probe, value, split, score, metric."""
    rows = []
    for path in sorted(Path(sweep_dir).glob("*/metrics.json")):
        record = json.loads(path.read_text())
        if record.get("status") != "completed":
            continue
        overrides = dict(o.split("=", 1) for o in record["overrides"] if "=" in o)
        probes = [key for key in PROBES if f"data.{key}" in overrides]
        if len(probes) != 1:
            continue
        metric = SCORES[record["data"]["task_type"]]
        rows.append(
            {
                "dataset": (record.get("choices") or {}).get("data", overrides.get("data", "table")),
                "model": overrides.get("model", "mlp"),
                "family": "tree" if record.get("estimator") else "net",
                "probe": probes[0],
                "value": overrides[f"data.{probes[0]}"],
                "split": int(overrides.get("data.split_seed", 0)),
                "score": float(record["metrics"][f"test/{metric}"]),
                "metric": metric,
            }
        )
    columns = ["dataset", "model", "family", "probe", "value", "split", "score", "metric"]
    return pd.DataFrame(rows, columns=columns)


def _ordered_values(values: pd.Series) -> list[str]:
    """Numbers in numeric order, with ``null`` (no probe) first; anything else as it sorts."""

    def key(text: str):
        if text.lower() in ("null", "none", "false"):
            return (0, 0.0)
        try:
            return (1, float(text))
        except ValueError:
            return (2, 0.0)

    return sorted(values.unique(), key=key)


def _value_labels(values: list[str]) -> list[str]:
    named = {"null": "none", "none": "none", "false": "as is", "true": "rotated"}
    return [named.get(value.lower(), value) for value in values]


METRIC_NAMES = {"acc": "test accuracy", "r2": "test R²"}


# Trees in blues and greens, nets in reds and oranges, so the families read apart even without the line styles.
FAMILY_COLOURS = {
    "tree": ["tab:blue", "tab:green", "tab:cyan", "tab:olive"],
    "net": ["tab:red", "tab:orange", "tab:pink", "tab:brown"],
}


def _colours(runs: pd.DataFrame) -> dict[str, str]:
    """One colour per model, the same in every panel."""
    colours = {}
    for family, group in runs.groupby("family"):
        for model, colour in zip(sorted(group["model"].unique()), FAMILY_COLOURS[family], strict=False):
            colours[model] = colour
    return colours


def summary_table(runs: pd.DataFrame) -> str:
    """Markdown: one row per table and model, the test score's mean ± std over splits at each probe value."""
    values = _ordered_values(runs["value"])
    header = [
        "table",
        "model",
        *(f"{runs['probe'].iloc[0]} = {value.lower().replace('null', 'none')}" for value in values),
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    groups = runs.groupby(["dataset", "family", "model"])
    # Per table, the trees first, then the nets.
    for (dataset, family, model), group in sorted(
        groups, key=lambda item: (item[0][0], item[0][1] != "tree")
    ):
        stats = group.groupby("value")["score"].agg(["mean", "std"]).fillna(0.0)
        cells = [
            f"{stats.loc[v, 'mean']:.3f} ± {stats.loc[v, 'std']:.3f}" if v in stats.index else ""
            for v in values
        ]
        metric = group["metric"].iloc[0]
        lines.append(f"| {dataset} ({metric}) | {model} ({family}) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_probe(runs: pd.DataFrame, path: Path) -> None:
    probe = runs["probe"].iloc[0]
    values = _ordered_values(runs["value"])
    positions = {value: i for i, value in enumerate(values)}
    labels = _value_labels(values)
    colours = _colours(runs)
    tables = sorted(runs["dataset"].unique())
    figure, panels = plt.subplots(1, len(tables), figsize=(4.6 * len(tables), 4.4), squeeze=False)
    n_splits = runs["split"].nunique()
    # Trees first in the legend; each model a little off the tick so the error bars do not hide each other.
    models = sorted(
        colours, key=lambda model: (model not in set(runs.loc[runs["family"] == "tree", "model"]), model)
    )
    offsets = {model: 0.06 * (i - (len(models) - 1) / 2) for i, model in enumerate(models)}
    for axes, (dataset, table) in zip(panels[0], runs.groupby("dataset"), strict=True):
        for model in models:
            group = table[table["model"] == model]
            family = group["family"].iloc[0]
            stats = group.groupby("value")["score"].agg(["mean", "std"]).fillna(0.0)
            stats = stats.assign(position=stats.index.map(positions) + offsets[model]).sort_values("position")
            axes.errorbar(
                stats["position"], stats["mean"], yerr=stats["std"], marker="o", capsize=3,
                linestyle="-" if family == "tree" else "--", color=colours[model], label=f"{model} ({family})",
            )  # fmt: skip
        axes.set_xticks(range(len(values)), labels)
        splits = f"{n_splits} split{'s' * (n_splits > 1)}"
        metric = METRIC_NAMES[table["metric"].iloc[0]]
        axes.set(xlabel=PROBES[probe], ylabel=f"{metric} (mean ± std over {splits})")
        axes.set_title(dataset, fontsize=10)
        axes.grid(alpha=0.3)
    # One legend below the panels, where it hides no curve.
    handles, names = panels[0][0].get_legend_handles_labels()
    figure.legend(handles, names, loc="lower center", ncol=len(names), fontsize=9, frameon=False)
    figure.suptitle("trees (solid) and neural networks (dashed)", fontsize=10)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_figures(sweep_dir: str | Path) -> list[Path]:
    sweep_dir = Path(sweep_dir)
    written = []
    for probe, runs in load_runs(sweep_dir).groupby("probe"):
        runs.to_csv(sweep_dir / f"mechanism_{probe}.csv", index=False)
        (sweep_dir / f"mechanism_{probe}.md").write_text(summary_table(runs))
        plot_probe(runs, sweep_dir / f"mechanism_{probe}.png")
        written.append(sweep_dir / f"mechanism_{probe}.png")
    return written


class MechanismFigures(SweepCallback):
    """The sweep callback of experiment=tabular_mechanisms: the usual thread split, then the probe's figure."""

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        for path in write_figures(config.hydra.sweep.dir):
            console.console.print(f"mechanism figure: [bold]{path}[/]")


if __name__ == "__main__":
    print(json.dumps([str(path) for path in write_figures(sys.argv[1])]))

"""The figure of a mechanism sweep (experiment=tabular_mechanisms): test score against the probe, per model.

Reads every run record of a sweep directory, finds the one ``data.*`` key the sweep varied (the probe:
``uninformative_features``, ``rotate``, ``smooth_target``) and plots the test score (accuracy or R2) of each
model against it, trees solid and nets dashed, as in Grinsztajn et al. (2022), Figures 2, 4 and 5.

``python -m dlr.tabular.mechanisms <sweep dir>`` writes ``mechanism_<probe>.png`` and ``.csv`` there.
"""

import json
import sys
from pathlib import Path

import matplotlib
import pandas as pd

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (the backend is chosen first)

from dlr.tabular.report import SCORES  # noqa: E402

PROBES = {
    "uninformative_features": "uninformative features added (per original feature)",
    "rotate": "features randomly rotated",
    "smooth_target": "training target smoothing (length scale, median distances)",
}


def load_runs(sweep_dir: str | Path) -> pd.DataFrame:
    """One row per completed run: model, family (tree or net), probe, value, score, metric."""
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
                "model": overrides.get("model", "mlp"),
                "family": "tree" if record.get("estimator") else "net",
                "probe": probes[0],
                "value": overrides[f"data.{probes[0]}"],
                "score": float(record["metrics"][f"test/{metric}"]),
                "metric": metric,
            }
        )
    return pd.DataFrame(rows, columns=["model", "family", "probe", "value", "score", "metric"])


def _ordered_values(values: pd.Series) -> list[str]:
    """Numbers in numeric order, with ``null`` (no probe) first; anything else as it sorts."""

    def key(text: str):
        if text in ("null", "false"):
            return (0, 0.0)
        try:
            return (1, float(text))
        except ValueError:
            return (2, 0.0)

    return sorted(values.unique(), key=key)


def plot_probe(runs: pd.DataFrame, path: Path) -> None:
    probe = runs["probe"].iloc[0]
    values = _ordered_values(runs["value"])
    positions = {value: i for i, value in enumerate(values)}
    figure, axes = plt.subplots(figsize=(6, 4))
    for (family, model), group in runs.groupby(["family", "model"]):
        group = group.assign(position=group["value"].map(positions)).sort_values("position")
        axes.plot(
            group["position"], group["score"], marker="o", linestyle="-" if family == "tree" else "--",
            label=f"{model} ({family})",
        )  # fmt: skip
    labels = ["none" if value == "null" else value for value in values]
    axes.set_xticks(range(len(values)), labels)
    axes.set(xlabel=PROBES[probe], ylabel=f"test {runs['metric'].iloc[0]}")
    axes.set_title("trees (solid) and neural networks (dashed)", fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_figures(sweep_dir: str | Path) -> list[Path]:
    sweep_dir = Path(sweep_dir)
    written = []
    for probe, runs in load_runs(sweep_dir).groupby("probe"):
        runs.to_csv(sweep_dir / f"mechanism_{probe}.csv", index=False)
        plot_probe(runs, sweep_dir / f"mechanism_{probe}.png")
        written.append(sweep_dir / f"mechanism_{probe}.png")
    return written


if __name__ == "__main__":
    print(json.dumps([str(path) for path in write_figures(sys.argv[1])]))

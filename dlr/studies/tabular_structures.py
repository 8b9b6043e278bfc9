"""Trees against nets per data structure (experiment=trees_vs_nets): the gap, its spread, one table, one figure.

On every dataset and split the tree family's entry is the tree model (and trial) with the best validation
score, and likewise for the nets; the gap is the nets' test score minus the trees' (accuracy or R², in
points: x 100), so a positive gap means the nets win. Per dataset the report gives the mean ± std of the gap
over the splits (seeds); a side wins when its mean gap is larger than that spread, otherwise it is a tie.

``python -m dlr.studies.tabular_structures <run dir> [<shard run dir> ...]`` redraws the table and figure from the
trials' files and the runs' saved configs; the shards' trials (the same experiment run in parts, e.g. one
structure per run) join the first run's, and the report is written there.
"""

import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (the backend is chosen first)

from dlr.studies.tabular_report import load_trials  # noqa: E402

TABLE_FILE, CSV_FILE, PLOT_FILE = "trees_vs_nets.md", "trees_vs_nets.csv", "trees_vs_nets.png"
FAMILIES = ("trees", "nets")


def family_scores(trials: pd.DataFrame, trees: list[str]) -> pd.DataFrame:
    """Per dataset, split and family: the test score of the best-validation model and trial, and its name."""
    trials = trials.assign(
        family=np.where(trials["model"].isin(trees), "trees", "nets"), val=trials["val"].fillna(-np.inf)
    )
    best = trials.loc[trials.groupby(["dataset", "split", "family"])["val"].idxmax()]
    return best[["dataset", "split", "family", "model", "metric", "test"]]


def gaps(trials: pd.DataFrame, structures: dict[str, list[str]], trees: list[str]) -> pd.DataFrame:
    """One row per dataset: structure, metric, each family's mean ± std score, the gap's mean ± std (points)."""
    best = family_scores(trials, trees)
    wide = best.pivot_table(index=["dataset", "split"], columns="family", values="test").dropna()
    wide["gap"] = 100 * (wide["nets"] - wide["trees"])
    chosen = best.groupby(["dataset", "family"])["model"].agg(lambda names: names.mode().iloc[0])
    rows = []
    for structure, datasets in structures.items():
        for dataset in datasets:
            if dataset not in wide.index.get_level_values("dataset"):
                continue
            per_split = wide.loc[dataset]
            gap, spread = per_split["gap"].mean(), per_split["gap"].std(ddof=1) if len(per_split) > 1 else 0.0
            winner = "tie" if abs(gap) <= spread else ("nets" if gap > 0 else "trees")
            row = {"structure": structure, "dataset": dataset, "splits": len(per_split)}
            row["metric"] = best.loc[best["dataset"] == dataset, "metric"].iloc[0]
            for family in FAMILIES:
                row[f"{family}_mean"], row[f"{family}_std"] = (
                    per_split[family].mean(),
                    per_split[family].std(),
                )
                row[f"best_{family[:-1]}"] = chosen[dataset, family]
            rows.append(
                {**row, "gap_mean": gap, "gap_std": spread, "gaps": list(per_split["gap"]), "winner": winner}
            )
    return pd.DataFrame(rows)


def _cell(mean: float, std: float, splits: int, scale: float = 1.0, digits: int = 3) -> str:
    text = f"{scale * mean:.{digits}f}"
    return text if splits < 2 else f"{text} ± {scale * std:.{digits}f}"


def markdown(table: pd.DataFrame) -> str:
    header = (
        "| structure | dataset (score) | seeds | trees: best of | trees | nets: best of | nets"
        " | gap nets − trees (points) | wins |"
    )
    lines = [header, "|" + "---|" * 9]
    for _, row in table.iterrows():
        cells = [
            row["structure"],
            f"{row['dataset']} ({row['metric']})",
            row["splits"],
            row["best_tree"],
            _cell(row["trees_mean"], row["trees_std"], row["splits"]),
            row["best_net"],
            _cell(row["nets_mean"], row["nets_std"], row["splits"]),
            _cell(row["gap_mean"], row["gap_std"], row["splits"], digits=1),
            row["winner"],
        ]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def plot(table: pd.DataFrame, path: Path) -> None:
    """Gap per dataset, grouped and coloured by structure: seeds as dots, mean ± std as a bar."""
    figure, axes = plt.subplots(figsize=(7, 0.42 * len(table) + 1.6))
    colours = dict(zip(table["structure"].unique(), plt.get_cmap("tab10").colors, strict=False))
    positions = np.arange(len(table))[::-1]
    for y, (_, row) in zip(positions, table.iterrows(), strict=True):
        colour = colours[row["structure"]]
        axes.errorbar(row["gap_mean"], y, xerr=row["gap_std"], fmt="o", color=colour, capsize=3, markersize=6)
        axes.scatter(row["gaps"], [y] * len(row["gaps"]), s=10, color=colour, alpha=0.45, zorder=3)
    axes.axvline(0, color="black", linewidth=0.8)
    low, high = axes.get_xlim()
    reach = max(abs(low), abs(high))
    axes.set_xlim(-reach, reach)
    axes.text(-reach * 0.97, positions[0] + 0.6, "← trees win", ha="left", va="bottom", fontsize=9)
    axes.text(reach * 0.97, positions[0] + 0.6, "nets win →", ha="right", va="bottom", fontsize=9)
    axes.set_ylim(-0.7, len(table) + 0.2)
    # The structure names the row (and its colour), so no legend covers the points.
    names = [f"{r['structure']}: {r['dataset']} ({r['metric']})" for _, r in table.iterrows()]
    axes.set_yticks(positions, names)
    for label, structure in zip(axes.get_yticklabels(), table["structure"], strict=True):
        label.set_color(colours[structure])
    axes.set_xlabel("test score of the best net − best tree (points: accuracy or R² × 100)")
    fewest, most = int(table["splits"].min()), int(table["splits"].max())
    seeds = str(most) if fewest == most else f"{fewest}-{most}"
    axes.set_title(f"Trees vs nets: mean ± std over {seeds} seeds (dots: seeds)", fontsize=10)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    plt.close(figure)


def write_structure_report(
    bench_dir: str | Path, spec: DictConfig, shards: Sequence[Path] = ()
) -> dict[str, float]:
    """Write trees_vs_nets.md, .csv and .png into ``bench_dir``; return gap/<dataset> and gap/<structure>.

    ``shards``: run directories of the same experiment run apart (e.g. one structure each), whose trials
    and structures join ``bench_dir``'s in the report.
    """
    bench_dir = Path(bench_dir)
    specs = [spec, *(_saved_spec(shard) for shard in shards)]
    structures: dict[str, list[str]] = {}
    for each in specs:
        for name, block in each.structures.items():
            known = structures.setdefault(name, [])
            known.extend(dataset for dataset in block.datasets if dataset not in known)
    trees = list(dict.fromkeys(model for each in specs for model in each.models))
    trials = pd.concat([load_trials(directory) for directory in (bench_dir, *shards)], ignore_index=True)
    table = gaps(trials, structures, trees)
    if table.empty:
        return {}
    table.drop(columns="gaps").to_csv(bench_dir / CSV_FILE, index=False)
    (bench_dir / TABLE_FILE).write_text(markdown(table))
    plot(table, bench_dir / PLOT_FILE)
    metrics = {f"gap/{row['dataset']}": float(row["gap_mean"]) for _, row in table.iterrows()}
    metrics.update({f"gap/{s}": float(g) for s, g in table.groupby("structure")["gap_mean"].mean().items()})
    return metrics


def _saved_spec(run_dir: Path) -> DictConfig:
    return OmegaConf.load(run_dir / ".hydra" / "config.yaml").tabular_benchmark


if __name__ == "__main__":
    run_dir, *shard_dirs = map(Path, sys.argv[1:])
    print(write_structure_report(run_dir, _saved_spec(run_dir), shard_dirs))

"""The benchmark's results, read from the trials' ``metrics.json`` files, as in Grinsztajn et al. (2022).

Each trial is scored by accuracy (classification) or R2 (regression). A model's result on a dataset after
``n`` search iterations is the test score of the trial with the best validation score among its first ``n``.
Test scores are normalised per dataset: 1 is the best score any trial reached, 0 the 10% quantile of all
trials (lower scores clip to 0), so datasets of different difficulty average fairly. The curve averages the
normalised score over datasets, and over random orders of the trials (the paper's bootstrapping of the
search order). Ranks compare the models' final selected test scores on each dataset (1 is best).

With several random splits per dataset (trial folders ``<dataset>@<split>``) a model is selected on each
split, its normalised scores and ranks are averaged over splits, and ``scores.md`` gives the raw test
scores as mean ± standard deviation over the splits.

``python -m dlr.studies.tabular_report <benchmark run dir>`` rewrites the tables and plot from the files.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SCORES = {"classification": "acc", "regression": "r2"}
TABLE_FILE, SCORE_FILE = "table.md", "scores.md"
CURVE_FILE, PLOT_FILE = "curves.csv", "score_vs_iterations.png"
COLUMNS = ["dataset", "split", "model", "trial", "metric", "val", "test"]


def load_trials(bench_dir: str | Path) -> pd.DataFrame:
    """One row per completed trial: dataset, split, model, trial, metric, val, test."""
    rows = []
    for path in sorted(Path(bench_dir, "trials").glob("*/*/*/metrics.json")):
        record = json.loads(path.read_text())
        if record.get("status") != "completed":
            continue
        folder, model, trial = path.parts[-4:-1]
        dataset, _, split = folder.partition("@")
        metric = SCORES[record["data"]["task_type"]]
        metrics = record["metrics"]
        val, test = (float(metrics.get(f"{stage}/{metric}", "nan")) for stage in ("val", "test"))
        rows.append(
            {
                "dataset": dataset,
                "split": int(split or 0),
                "model": model,
                "trial": int(trial),
                "metric": metric,
                "val": val,
                "test": test,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def normalise(trials: pd.DataFrame) -> pd.Series:
    def per_dataset(scores: pd.Series) -> pd.Series:
        top, bottom = scores.max(), scores.quantile(0.1)
        return (scores * 0 + 1.0) if top <= bottom else ((scores - bottom) / (top - bottom)).clip(0, 1)

    return trials.groupby("dataset")["test"].transform(per_dataset)


def best_so_far(val: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Test score of the best-validation trial among the first n, for every n."""
    val = np.nan_to_num(val, nan=-np.inf)  # a diverged trial is never selected
    chosen, best = np.zeros(len(val), dtype=int), 0
    for n in range(len(val)):
        best = n if val[n] > val[best] else best
        chosen[n] = best
    return test[chosen]


def search_curves(trials: pd.DataFrame, n_shuffles: int, seed: int) -> pd.DataFrame:
    """Normalised test score against search iterations: mean and 10-90% band over random trial orders."""
    rng = np.random.default_rng(seed)
    rows = []
    for model, group in trials.groupby("model"):
        per_dataset = [g.sort_values("trial") for _, g in group.groupby(["dataset", "split"])]
        n_iterations = min(len(g) for g in per_dataset)
        curves = []
        for shuffle in range(n_shuffles):
            orders = [np.arange(len(g)) if shuffle == 0 else rng.permutation(len(g)) for g in per_dataset]
            runs = [
                best_so_far(g["val"].to_numpy()[o], g["normalised"].to_numpy()[o])[:n_iterations]
                for g, o in zip(per_dataset, orders, strict=True)
            ]
            curves.append(np.mean(runs, axis=0))
        curves = np.array(curves)
        for n in range(n_iterations):
            low, high = np.quantile(curves[:, n], [0.1, 0.9])
            rows.append(
                {"model": model, "iterations": n + 1, "score": curves[:, n].mean(), "low": low, "high": high}
            )
    return pd.DataFrame(rows)


def _selected(trials: pd.DataFrame) -> pd.DataFrame:
    """Per dataset, split and model: the trial with the best validation score."""
    return trials.loc[trials.fillna({"val": -np.inf}).groupby(["dataset", "split", "model"])["val"].idxmax()]


def final_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Per model: the selected trials' normalised score on each dataset, their mean, and the average rank."""
    selected = _selected(trials).copy()
    scores = selected.pivot_table(index="model", columns="dataset", values="normalised", aggfunc="mean")
    selected["rank"] = selected.groupby(["dataset", "split"])["test"].rank(
        ascending=False, na_option="bottom"
    )
    table = scores.copy()
    table["mean score"] = scores.mean(axis=1)
    table["average rank"] = selected.groupby("model")["rank"].mean()
    return table.sort_values("average rank")


def score_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Per model and dataset: the selected trials' raw test score, as mean ± std over the splits."""
    selected = _selected(trials)
    stats = selected.groupby(["model", "dataset"])["test"].agg(["mean", "std", "count"]).reset_index()
    stats["cell"] = [
        f"{row['mean']:.3f}" if row["count"] < 2 else f"{row['mean']:.3f} ± {row['std']:.3f}"
        for _, row in stats.iterrows()
    ]
    metrics = selected.groupby("dataset")["metric"].first()
    table = stats.pivot(index="model", columns="dataset", values="cell")
    table.columns = [f"{dataset} ({metrics[dataset]})" for dataset in table.columns]
    return table


def markdown(table: pd.DataFrame) -> str:
    """A GitHub table (tabulate's), the model names as the first column, numbers to 3 decimals."""
    return table.rename_axis("model").reset_index().to_markdown(index=False, floatfmt=".3f") + "\n"


def plot(curves: pd.DataFrame, path: Path) -> None:
    import matplotlib  # here: reading the tables back needs no plotting library

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib import ticker

    figure, axes = plt.subplots(figsize=(6, 4))
    for model, curve in curves.groupby("model"):
        axes.plot(curve["iterations"], curve["score"], marker="o", markersize=3, label=model)
        axes.fill_between(curve["iterations"], curve["low"], curve["high"], alpha=0.15)
    axes.set(xlabel="random search iterations", ylabel="normalised test score (mean over datasets)")
    axes.set_xscale("log")  # as in the paper: the early iterations are where the models differ most
    last = int(curves["iterations"].max())
    axes.set_xticks(
        list(range(1, last + 1))
        if last <= 10
        else [n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500) if n <= last]
    )
    axes.xaxis.set_major_formatter(ticker.ScalarFormatter())
    axes.xaxis.set_minor_formatter(ticker.NullFormatter())
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(bench_dir: str | Path, n_shuffles: int = 20, seed: int = 0) -> dict:
    """Write table.md, scores.md, trials.csv, curves.csv and the plot into ``bench_dir``; return a summary."""
    bench_dir = Path(bench_dir)
    trials = load_trials(bench_dir)
    if trials.empty:
        return {}
    trials["normalised"] = normalise(trials)
    table, curves = final_table(trials), search_curves(trials, n_shuffles, seed)
    trials.to_csv(bench_dir / "trials.csv", index=False)
    curves.to_csv(bench_dir / CURVE_FILE, index=False)
    (bench_dir / TABLE_FILE).write_text(markdown(table))
    (bench_dir / SCORE_FILE).write_text(markdown(score_table(trials).fillna("-")))
    plot(curves, bench_dir / PLOT_FILE)
    summary = {f"rank/{model}": float(rank) for model, rank in table["average rank"].items()}
    summary.update({f"score/{model}": float(score) for model, score in table["mean score"].items()})
    return summary


if __name__ == "__main__":
    print(json.dumps(write_report(sys.argv[1]), indent=2))

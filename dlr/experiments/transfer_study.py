"""``experiment=transfer_study``: does reusing a pretrained net pay off when labels are few?

Pretrain once on some classes (mnist1d 0-4), then fine-tune on the others (5-9) with few labels per class,
under each strategy of ``transfer_study.strategies`` (scratch, linear probe, freeze-first-k, LoRA, full
fine-tuning). Every run is an ordinary dlr run in a subdirectory, in its own process
(:mod:`dlr.experiments.child_runs`); the table and plot are built from their ``metrics.json`` files: ``results.csv``, ``results.md`` and ``transfer_study.png`` in the study's directory.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from dlr import console  # noqa: E402
from dlr.errors import require  # noqa: E402
from dlr.experiments.child_runs import run_in_child  # noqa: E402
from dlr.records import last_checkpoint_path  # noqa: E402
from dlr.run.context import RunContext  # noqa: E402

PLOT_NAME = "transfer_study.png"


def _run(overrides: list[str], run_dir: Path, study_dir: Path, cfg: DictConfig) -> dict:
    """One ordinary dlr run (skipped when its directory already holds a completed record)."""
    paths = {"data_dir": str(cfg.paths.data_dir), "log_dir": str(cfg.paths.log_dir)}
    record = run_in_child(overrides, run_dir, study_dir, paths)
    require(
        record.get("status") == "completed",
        "transfer_study",
        f"run {run_dir} failed ({record.get('error')}); see its metrics.json",
    )
    return record


def _checkpoint(record: dict) -> str:
    path = record.get("best_checkpoint") or str(last_checkpoint_path(record["run_dir"]))
    require(
        Path(path).is_file(),
        "transfer_study.pretrain.overrides",
        "the pretraining run saved no checkpoint; keep callbacks=default",
    )
    return path


def run_transfer_study(cfg: DictConfig, context: RunContext, earlier: dict | None) -> dict:
    """The driver behind ``train.py experiment=transfer_study`` (dlr.run.train's body): the study's record."""
    spec = OmegaConf.to_container(cfg.transfer_study, resolve=True)
    study_dir = Path(context.run_dir)
    # Every run sees the command's own overrides (experiment=transfer_study, user tweaks), without the study node.
    base = [o for o in context.record["overrides"] if not o.lstrip("+~").startswith("transfer_study")]
    base += ["~transfer_study", *spec["common"]]
    first = spec["pretrain"]
    pretrain_overrides = [
        f"data.classes={first['classes']}",
        f"trainer.max_epochs={first['max_epochs']}",
        *first["overrides"],
    ]
    pretrain = _run([*base, *pretrain_overrides], study_dir / "pretrain", study_dir, cfg)
    checkpoint = _checkpoint(pretrain)
    rows = []
    then = spec["finetune"]
    budget = [
        f"++trainer.max_steps={then['max_steps']}",
        "trainer.max_epochs=-1",
        f"data.classes={then['classes']}",
    ]
    for n in then["labels_per_class"]:
        for name, strategy in spec["strategies"].items():
            for seed in then["seeds"]:
                overrides = [
                    *base,
                    *budget,
                    f"data.n_per_class={n}",
                    f"seed={seed}",
                    *then["overrides"],
                    *strategy["overrides"],
                ]
                if strategy["pretrained"]:  # a new head: the same number of classes, but other ones
                    overrides += [f"transfer.checkpoint={checkpoint}", "transfer.reset_head=true"]
                record = _run(overrides, study_dir / f"{name}_n{n}_seed{seed}", study_dir, cfg)
                metrics = record["metrics"]
                rows.append(
                    {
                        "strategy": name,
                        "labels_per_class": n,
                        "seed": seed,
                        "test_acc": metrics["test/acc"],
                        "trainable_params": int(metrics["params/trainable"]),
                        "wall_time_s": record["wall_time_s"],
                    }
                )
    table = summarize(pd.DataFrame(rows), study_dir)
    metrics = {f"{r.strategy}/n{r.labels_per_class}/test_acc": float(r.test_acc) for r in table.itertuples()}
    metrics["pretrain/test_acc"] = pretrain["metrics"]["test/acc"]
    record = context.finish(
        status="completed",
        metrics=metrics,
        study={"table": str(study_dir / "results.md"), "plot": str(study_dir / PLOT_NAME)},
    )
    console.console.print((study_dir / "results.md").read_text())
    return record


def summarize(rows: pd.DataFrame, study_dir: Path) -> pd.DataFrame:
    """Mean test accuracy over seeds per (strategy, labels per class): CSV, Markdown table and plot."""
    rows.to_csv(study_dir / "results_per_seed.csv", index=False)
    table = (
        rows.groupby(["strategy", "labels_per_class"], sort=False)
        .agg(
            test_acc=("test_acc", "mean"),
            test_acc_std=("test_acc", "std"),
            trainable_params=("trainable_params", "first"),
            wall_time_s=("wall_time_s", "mean"),
            seeds=("seed", "count"),
        )
        .reset_index()
    )
    table.to_csv(study_dir / "results.csv", index=False)
    wide = table.pivot(index="strategy", columns="labels_per_class", values="test_acc").reindex(
        table["strategy"].unique()
    )
    wide.columns = [f"acc @ {n}/class" for n in wide.columns]
    wide["trainable params"] = table.groupby("strategy", sort=False)["trainable_params"].first()
    (study_dir / "results.md").write_text(wide.reset_index().to_markdown(index=False, floatfmt=".3f") + "\n")
    plot(table, study_dir / PLOT_NAME)
    return table


def plot(table: pd.DataFrame, path: Path) -> None:
    fig, (by_labels, by_params) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, (name, runs) in enumerate(table.groupby("strategy", sort=False)):
        style = {"color": f"C{i}", "marker": "os^Dv<>p"[i % 8], "label": name}
        by_labels.errorbar(
            runs["labels_per_class"],
            runs["test_acc"],
            yerr=runs["test_acc_std"].fillna(0),
            capsize=3,
            **style,
        )
        by_params.scatter(
            runs["trainable_params"], runs["test_acc"], s=20 + runs["labels_per_class"] ** 0.8, **style
        )
        for run in runs.itertuples():
            by_params.annotate(
                str(run.labels_per_class),
                (run.trainable_params, run.test_acc),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    by_labels.set(
        xscale="log", xlabel="labelled samples per class", ylabel="test accuracy", title="accuracy vs labels"
    )
    by_params.set(
        xscale="log",
        xlabel="trainable parameters",
        ylabel="test accuracy",
        title="accuracy vs trainable parameters (label: n/class)",
    )
    by_labels.legend(fontsize=8)
    for ax in (by_labels, by_params):
        ax.grid(alpha=0.3)
        ax.xaxis.set_minor_formatter(NullFormatter())  # log-axis minor labels overlap
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

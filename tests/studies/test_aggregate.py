"""The sweep summary: one row per job whatever its status, mean/std over seeds, and the plots."""

import json

import pandas as pd

from dlr.studies.aggregate import collect, over_seeds
from dlr.studies.summary import summarize


def _job(sweep, num: int, status: str, overrides: list[str], metrics: dict | None = None, n_train: int = 100):
    job = sweep / str(num)
    job.mkdir(parents=True)
    record = {"status": status, "seed": int(overrides[-1].split("=")[1]), "overrides": overrides}
    if metrics is not None:
        record.update(
            metrics=metrics, data={"n_train": n_train, "output_size": 10, "label_noise": 0.0}, wall_time_s=1.0
        )
    if status == "failed":
        record["error"] = "model: boom"
    (job / "metrics.json").write_text(json.dumps(record))


def _fake_sweep(sweep):
    """width x label_noise x seed, a double-descent-shaped test error, one failed and one interrupted job."""
    num = 0
    for noise in (0.0, 0.2):
        for width in (2, 8, 32, 128):
            for seed in (0, 1):
                overrides = [f"width={width}", f"data.label_noise={noise}", f"seed={seed}"]
                peak = 0.3 if width == 32 else 0.1
                metrics = {
                    "params/total": float(width * 50),
                    "test/acc": 1 - peak - noise / 4 - 0.01 * seed,
                    "train/acc": 1.0 if width >= 32 else 0.8,
                    "test/loss": peak * 3,
                    "effective/p_train": float(min(width * 5, 100)),
                    "effective/p_test": float(width * 5 if width < 32 else 4000 / width),
                }
                _job(sweep, num, "completed", overrides, metrics)
                num += 1
    _job(sweep, num, "failed", ["width=512", "data.label_noise=0.0", "seed=0"])
    _job(sweep, num + 1, "running", ["width=512", "data.label_noise=0.2", "seed=0"])


def test_table_has_overrides_as_columns_and_failed_jobs_as_rows(tmp_path):
    _fake_sweep(tmp_path)
    table = collect(tmp_path)
    assert len(table) == 18
    assert {"width", "data.label_noise", "seed", "status", "test/error", "params/total"} <= set(table.columns)
    # The `running` record has no live writer (no heartbeat): it reads as interrupted.
    assert table["status"].value_counts().to_dict() == {"completed": 16, "failed": 1, "interrupted": 1}
    failed = table[table["status"] == "failed"].iloc[0]
    assert failed["width"] == 512 and failed["error"] == "model: boom"
    assert table["width"].dtype.kind == "i" and table["data.label_noise"].dtype.kind == "f"


def test_mean_and_std_over_seeds(tmp_path):
    _fake_sweep(tmp_path)
    seeds = over_seeds(collect(tmp_path))
    assert len(seeds) == 8  # 4 widths x 2 noise levels; failed/running jobs are not averaged
    row = seeds[(seeds["width"] == 2) & (seeds["data.label_noise"] == 0.0)].iloc[0]
    assert row["n_seeds"] == 2
    assert abs(row["test/acc_mean"] - 0.895) < 1e-9 and abs(row["test/acc_std"] - 0.00707) < 1e-4


def test_summary_writes_tables_and_plots(tmp_path):
    _fake_sweep(tmp_path)
    written = summarize(tmp_path, {"knob": "width", "threshold": "n"})
    assert set(written) == {"table", "over_seeds", "curves", "effective"}
    for path in written.values():
        assert path.parent == tmp_path and path.stat().st_size > 1000
    assert len(pd.read_csv(written["table"])) == 18


def test_override_with_numbers_and_words_groups_as_text(tmp_path):
    """dd_linear sweeps model.net.ridge=0.0,gcv: one column holding a float and a string."""
    for num, ridge in enumerate(("0.0", "gcv")):
        metrics = {"params/total": 50.0, "test/loss": 0.1 + num, "train/loss": 0.0}
        _job(tmp_path, num, "completed", ["width=50", f"model.net.ridge={ridge}", "seed=0"], metrics)
    table = collect(tmp_path)
    assert table["model.net.ridge"].tolist() == ["0.0", "gcv"]
    # width is not swept, so there is no capacity axis: the two ridges are compared side by side
    assert len(over_seeds(table)) == 2 and summarize(tmp_path, {})["comparison"].is_file()


def test_sweep_over_models_and_data_draws_a_comparison_not_curves(tmp_path):
    """`-m model=hist_gbm,random_forest data=titanic,carseats`: no capacity axis, estimator records."""
    num = 0
    for model in ("hist_gbm", "random_forest"):
        for data in ("titanic", "penguins"):
            for seed in (0, 1):
                metrics = {"test/acc": 0.7 + 0.1 * (model == "hist_gbm") + 0.01 * seed, "train/acc": 1.0}
                _job(tmp_path, num, "completed", [f"model={model}", f"data={data}", f"seed={seed}"], metrics)
                num += 1
    written = summarize(tmp_path, {})
    assert "curves" not in written and written["comparison"].stat().st_size > 10_000

"""Real multiruns through `python train.py -m` (subprocesses, as a user runs them): launchers, failed jobs,
resume, the end-of-sweep summary, and Optuna. Each uses the closed-form dd_rff model, so jobs take ~1 s.
"""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dlr.studies.hydra_callback import threads_per_job

ROOT = Path(__file__).resolve().parents[1]
FAST_JOB = ["experiment=dd_rff", "data.n_train=60", "seed=0"]  # seed=0 replaces the experiment's seed sweep


def _multirun(tmp_path: Path, *overrides: str, returncode: int = 0) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "train.py",
        "-m",
        *FAST_JOB,
        f"paths.log_dir={tmp_path}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        *overrides,
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == returncode, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def _records(sweep: Path) -> dict[int, dict]:
    return {int(p.parent.name): json.loads(p.read_text()) for p in sweep.glob("*/metrics.json")}


def test_failed_job_is_recorded_summary_written_and_resume_skips_completed(tmp_path):
    sweep = tmp_path / "sweep"
    # width=0 is invalid: that job fails, the others go on, and the sweep exits 1 naming it.
    result = _multirun(tmp_path, "width=30,0,120", returncode=1)
    assert "job 1: failed: width: must be an integer >= 1, got 0" in result.stderr
    records = _records(sweep)
    assert [records[i]["status"] for i in range(3)] == ["completed", "failed", "completed"]
    assert "width" in records[1]["error"]
    table = pd.read_csv(sweep / "summary.csv")
    assert table["status"].tolist() == ["completed", "failed", "completed"] and table["width"].tolist() == [
        30,
        0,
        120,
    ]
    assert (sweep / "double_descent.png").stat().st_size > 1000 and (
        sweep / "effective_parameters.png"
    ).is_file()

    again = _multirun(
        tmp_path, "width=30,0,120", returncode=1
    )  # the same sweep, resumed into the same directory
    assert again.stdout.count("already completed, skipped") == 2
    rerun = _records(sweep)
    assert rerun[0]["wall_time_s"] == records[0]["wall_time_s"] and rerun[2] == records[2]  # untouched
    assert rerun[1]["status"] == "failed"  # a failed job is tried again (and fails again)


def test_threads_are_split_between_parallel_jobs():
    assert threads_per_job("auto", n_jobs=2, cores=16) == 8
    assert threads_per_job("auto", n_jobs=-1, cores=16) == 1  # one job per core
    assert threads_per_job("auto", n_jobs=32, cores=16) == 1
    assert threads_per_job(3, n_jobs=2) == 3 and threads_per_job(None, n_jobs=2) is None


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_parallel_launchers_complete_a_sweep(tmp_path, launcher):
    _multirun(tmp_path, f"launcher={launcher}", "width=30,120")
    assert [r["status"] for _, r in sorted(_records(tmp_path / "sweep").items())] == [
        "completed",
        "completed",
    ]
    assert len(pd.read_csv(tmp_path / "sweep" / "summary.csv")) == 2


@pytest.mark.slow
def test_optuna_search_records_trials_and_best(tmp_path):
    _multirun(
        tmp_path,
        "hparams_search=optuna",
        "hydra.sweeper.n_trials=3",
        "hydra.sweeper.params={width: 'choice(20, 80, 200)', optimizer.lr: 'tag(log, interval(0.001, 0.1))'}",
    )
    sweep = tmp_path / "sweep"
    assert len(_records(sweep)) == 3
    assert "best_value" in (sweep / "optimization_results.yaml").read_text()
    # Optuna's own figures of the search, rebuilt from the trials' records; no capacity-axis chart.
    assert (sweep / "optuna_history.png").stat().st_size > 10_000
    assert (sweep / "optuna_importances.png").stat().st_size > 10_000
    assert not (sweep / "double_descent.png").exists()

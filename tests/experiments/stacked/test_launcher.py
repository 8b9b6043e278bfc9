"""``launcher=stacked`` through ``python train.py -m`` as a user runs it: members equal their solo runs,
are ordinary runs (records, checkpoints eval.py reads, summary), resume, fail alone, and what cannot stack
runs unstacked with a notice.
"""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

SMALL_DD = ["experiment=dd_mnist1d", "data.num_samples=2000", "data.label_noise=0.15"]
LEARNS = ["data.batch_size=25", "optimizer.lr=0.05"]  # enough steps in 3 epochs to beat chance


def _cli(
    script: str, *overrides: str, multirun: bool = True, exit_code: int = 0
) -> subprocess.CompletedProcess:
    command = [sys.executable, script, *(["-m"] if multirun else []), *overrides]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == exit_code, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def _sweep(
    tmp_path: Path, data_dir: Path, name: str, *overrides: str, exit_code: int = 0
) -> subprocess.CompletedProcess:
    return _cli(
        "train.py",
        *overrides,
        f"paths.data_dir={data_dir}",
        f"paths.log_dir={tmp_path}",
        f"hydra.sweep.dir={tmp_path / name}",
        exit_code=exit_code,
    )


def _evaluated(tmp_path: Path, member: dict) -> tuple[dict, str]:
    """The metrics and stdout of ``eval.py`` on a member's last.ckpt, read as a single run."""
    checkpoint = Path(member["run_dir"]) / "checkpoints" / "last.ckpt"
    evaluated = _cli(
        "eval.py",
        f"ckpt_path={checkpoint}",
        f"paths.log_dir={tmp_path}",
        f"hydra.run.dir={tmp_path / 'eval'}",
        multirun=False,
    )
    return json.loads((tmp_path / "eval" / "metrics.json").read_text())["metrics"], evaluated.stdout


def _records(sweep: Path) -> dict[int, dict]:
    return {int(p.parent.name): json.loads(p.read_text()) for p in sweep.glob("*/metrics.json")}


def test_stacked_members_equal_solo_runs_and_are_ordinary_runs(tmp_path, data_dir):
    grid = [*SMALL_DD, "trainer.max_epochs=3", "width=3,8,20", "seed=0,1", "torch_threads=1", *LEARNS]
    _sweep(tmp_path, data_dir, "stacked", *grid, "launcher=stacked")  # two worker processes
    _sweep(tmp_path, data_dir, "basic", *grid, "launcher=basic")
    stacked, solo = _records(tmp_path / "stacked"), _records(tmp_path / "basic")
    assert sorted(stacked) == sorted(solo) == list(range(6))
    for job, record in stacked.items():
        mine, theirs = record["metrics"], solo[job]["metrics"]
        assert record["status"] == "completed" and record["overrides"][-2:] == solo[job]["overrides"][-2:]
        assert mine["params/total"] == theirs["params/total"]
        assert mine["test/acc"] == theirs["test/acc"] and mine["train/acc"] == theirs["train/acc"]
        for key in ("test/loss", "train/loss"):
            assert abs(mine[key] / theirs[key] - 1) < 1e-4, (job, key, mine[key], theirs[key])
        noisy = json.loads((Path(record["run_dir"]) / "label_noise_indices.json").read_text())
        assert noisy == json.loads((Path(solo[job]["run_dir"]) / "label_noise_indices.json").read_text())
    assert max(r["metrics"]["test/acc"] for r in stacked.values()) > 0.2  # learned beyond chance (0.1)
    table = pd.read_csv(tmp_path / "stacked" / "summary.csv")
    assert table["status"].eq("completed").all() and sorted(table["width"].unique()) == [3, 8, 20]
    assert (tmp_path / "stacked" / "double_descent.png").stat().st_size > 1000

    scored, printed = _evaluated(tmp_path, stacked[4])  # width 20, seed 0: read as a single run
    assert "test/acc" in printed
    assert scored["test/acc"] == stacked[4]["metrics"]["test/acc"]


@pytest.mark.slow
def test_a_failed_member_does_not_stop_the_others_and_resume_skips_completed(tmp_path, data_dir):
    grid = [*SMALL_DD, "trainer.max_epochs=1", "width=0,4,8", "seed=0", "hydra.launcher.n_jobs=1"]
    # The sweep finishes its other members, then exits 1 naming what did not complete.
    first = _sweep(tmp_path, data_dir, "sweep", *grid, exit_code=1)
    assert "1 job(s) of" in first.stderr and "did not complete" in first.stderr
    records = _records(tmp_path / "sweep")
    assert [records[i]["status"] for i in range(3)] == ["failed", "completed", "completed"]
    assert records[0]["error"].startswith("width: must be an integer >= 1")
    again = _sweep(tmp_path, data_dir, "sweep", *grid, exit_code=1)
    assert again.stdout.count("already completed, skipped") == 2
    assert _records(tmp_path / "sweep")[2] == records[2]


def test_a_model_without_stacked_path_runs_unstacked_and_says_why(tmp_path, data_dir):
    fast_rff = ["experiment=dd_rff", "data.n_train=60", "seed=0", "width=10,40", "launcher=stacked"]
    # n_jobs=1: the jobs run in the launching process, with no worker start-up.
    fast_rff += ["hydra.launcher.n_jobs=1"]
    result = _sweep(tmp_path, data_dir, "sweep", *fast_rff)
    assert (
        "2 job(s) run as ordinary jobs, not stacked: model=random_features has no stacked path"
        in result.stdout
    )
    records = _records(tmp_path / "sweep")
    assert [records[i]["status"] for i in range(2)] == ["completed", "completed"]


def test_the_longest_bucket_starts_first_when_groups_differ_in_epochs(tmp_path, data_dir):
    # One worker trains the buckets one after another, in the order a pool of workers would take them.
    epochs = ["trainer.max_epochs=1,8", "width=8", "hydra.launcher.n_jobs=1"]
    _sweep(tmp_path, data_dir, "sweep", *SMALL_DD, *epochs)
    records = _records(tmp_path / "sweep")
    finished = {  # the record's last write
        epochs: r["heartbeat"]["updated_at"]
        for r in records.values()
        for epochs in ("1", "8")
        if f"trainer.max_epochs={epochs}" in r["overrides"]
    }
    assert finished["8"] < finished["1"], finished
    assert {r["status"] for r in records.values()} == {"completed"}

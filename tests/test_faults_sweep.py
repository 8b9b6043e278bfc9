"""Ctrl-C or SIGTERM stops a sweep; re-running the very same command resumes it in the same directory,
skipping the completed jobs (their records untouched) and continuing the interrupted one from its
checkpoint. So does a sweep that ended with a failed job, once the user fixed the cause: the failed job
runs again. A sweep whose jobs all completed is never reused: its command starts a new directory."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from dlr.config import sweep_dirs
from dlr.records import heartbeat
from tests.conftest import ROOT, start_in_own_group

# Job 0 trains 2 epochs and completes; job 1 trains long enough to be stopped by the signal.
JOB = ["data.num_samples=400", "logger=none", "callbacks.last_checkpoint.every_s=0", "width=8"]


def _sweep(log_dir: Path, *launcher: str) -> list[str]:
    return [
        sys.executable,
        "train.py",
        "-m",
        "trainer.max_epochs=2,300",
        *JOB,
        *launcher,
        f"paths.log_dir={log_dir}",
    ]


def _sweep_dirs(log_dir: Path) -> list[Path]:
    return sorted((log_dir / "multiruns" / "train").iterdir())


def _interrupt_during_job_1(command: list[str], log_dir: Path, signum: int, to_group: bool) -> Path:
    process = start_in_own_group(command)
    deadline = time.monotonic() + 300
    while (
        not list(log_dir.glob("multiruns/train/*/1/checkpoints/last.ckpt"))
        or not list(log_dir.glob("multiruns/train/*/0/metrics.json"))
        or '"completed"' not in next(log_dir.glob("multiruns/train/*/0/metrics.json")).read_text()
    ):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    if to_group:  # Ctrl-C in a terminal reaches the launcher and its workers
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    assert process.wait(timeout=300) != 0
    [sweep] = _sweep_dirs(log_dir)
    return sweep


@pytest.mark.slow
@pytest.mark.parametrize(
    "launcher, signum, to_group",
    [
        ((), signal.SIGTERM, False),
        (("launcher=joblib",), signal.SIGINT, True),
        (("launcher=joblib",), signal.SIGTERM, False),  # the launcher alone: it hands SIGTERM on to loky's
    ],
    ids=["basic-sigterm", "joblib-ctrl-c", "joblib-sigterm-to-the-launcher"],
)
def test_the_same_command_resumes_the_interrupted_sweep(tmp_path, launcher, signum, to_group):
    command = _sweep(tmp_path, *launcher, "torch_threads=1")
    sweep = _interrupt_during_job_1(command, tmp_path, signum, to_group)
    assert json.loads((sweep / "sweep.json").read_text())["status"] == "running"  # its launcher is gone
    done = (sweep / "0" / "metrics.json").read_bytes(), (sweep / "0" / "metrics.json").stat().st_mtime_ns

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"resuming the interrupted sweep {sweep}" in again.stdout
    assert _sweep_dirs(tmp_path) == [sweep]
    assert (
        (sweep / "0" / "metrics.json").read_bytes(),
        (sweep / "0" / "metrics.json").stat().st_mtime_ns,
    ) == done
    resumed = json.loads((sweep / "1" / "metrics.json").read_text())
    assert resumed["status"] == "completed"
    assert resumed["resumed_from"] == str(sweep / "1" / "checkpoints" / "last.ckpt")
    assert json.loads((sweep / "sweep.json").read_text())["status"] == "completed"


def _record(directory: Path, overrides: list[str], **fields) -> Path:
    directory.mkdir(parents=True)
    record = {"status": "running", "overrides": overrides, "heartbeat": heartbeat(), **fields}
    (directory / sweep_dirs.SWEEP_RECORD).write_text(json.dumps(record))
    return directory


def _dead_beat() -> dict:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return {**heartbeat(), "pid": child.pid}


def test_only_the_newest_unfinished_sweep_of_the_same_overrides_is_resumed(tmp_path):
    same = ["width=8,16"]
    _record(tmp_path / "a", same, started_at=1.0, heartbeat=_dead_beat())
    newest = _record(tmp_path / "b", same, started_at=2.0, heartbeat=_dead_beat())
    _record(tmp_path / "c", ["width=8,32"], started_at=3.0, heartbeat=_dead_beat())
    assert sweep_dirs.resumable_sweep(tmp_path, same) == newest
    assert sweep_dirs.resumable_sweep(tmp_path, ["width=8"]) is None
    _record(tmp_path / "d", same, started_at=4.0, status="completed")  # finished: a re-run starts anew
    assert sweep_dirs.resumable_sweep(tmp_path, same) is None
    _record(tmp_path / "e", same, started_at=5.0)  # alive: never shared
    assert sweep_dirs.resumable_sweep(tmp_path, same) is None
    failed = _record(tmp_path / "f", same, started_at=6.0, status="failed")  # a job did not complete
    assert sweep_dirs.resumable_sweep(tmp_path, same) == failed


def test_resume_sweep_false_and_the_jobs_see_the_launchers_decision(tmp_path, monkeypatch):
    monkeypatch.delenv("DLR_SWEEP_DIRS", raising=False)
    earlier = _record(tmp_path / "old", ["width=8,16"], started_at=1.0, heartbeat=_dead_beat())
    launch = OmegaConf.create({"resume_sweep": True, "hydra": {"overrides": {"task": ["width=8,16"]}}})
    assert sweep_dirs.sweep_dir(str(tmp_path), "new", _root_=launch) == str(earlier)
    job = OmegaConf.create({"hydra": {"overrides": {"task": ["width=16"]}}})  # one job's own overrides
    assert sweep_dirs.sweep_dir(str(tmp_path), "new", _root_=job) == str(earlier)
    monkeypatch.delenv("DLR_SWEEP_DIRS")
    launch.resume_sweep = False
    assert sweep_dirs.sweep_dir(str(tmp_path), "new", _root_=launch) == str(tmp_path / "new")


def _table(path: Path) -> Path:
    rows = torch.Generator().manual_seed(0)
    x = torch.randn(200, 3, generator=rows)
    lines = [f"{a:.4f},{b:.4f},{c:.4f},{int(a + b > 0)}" for a, b, c in x.tolist()]
    path.write_text("a,b,c,y\n" + "\n".join(lines) + "\n")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["basic", "joblib", "stacked"])
def test_rerunning_a_sweep_whose_job_failed_retries_it_and_keeps_the_completed_one(tmp_path, launcher):
    table, missing = _table(tmp_path / "a.csv"), tmp_path / "b.csv"
    log_dir = tmp_path / "outputs"
    command = [
        sys.executable,
        "train.py",
        "-m",
        f"launcher={launcher}",
        "data=csv",
        f"data.path={table},{missing}",
    ]
    command += [
        "data.target=y",
        "trainer.max_epochs=1",
        "logger=none",
        "torch_threads=1",
        f"paths.log_dir={log_dir}",
    ]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 1 and f"data.path: no such file: {missing}" in first.stderr, first.stderr[
        -3000:
    ]
    [sweep] = _sweep_dirs(log_dir)
    assert json.loads((sweep / "sweep.json").read_text())["status"] == "failed"
    kept = (sweep / "0" / "metrics.json").read_bytes(), (sweep / "0" / "metrics.json").stat().st_mtime_ns

    missing.write_bytes(table.read_bytes())  # the user fixes the cause, then runs the same command
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    expected = (
        f"resuming the failed sweep {sweep}: 1 completed job(s) kept, the others run again (job 1 failed)"
    )
    assert expected in again.stdout
    assert _sweep_dirs(log_dir) == [sweep]
    assert (
        (sweep / "0" / "metrics.json").read_bytes(),
        (sweep / "0" / "metrics.json").stat().st_mtime_ns,
    ) == kept
    assert json.loads((sweep / "1" / "metrics.json").read_text())["status"] == "completed"
    assert json.loads((sweep / "sweep.json").read_text())["status"] == "completed"

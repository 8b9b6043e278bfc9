"""Ctrl-C stops a `launcher=stacked` sweep; re-running the very same command resumes it in the same
directory: the completed members are skipped (their records untouched, no bucket retrains them) and the
interrupted bucket's members train again and complete. SIGTERM to the launcher alone ends its workers too,
leaving no orphan to write into the runs a rerun resumes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlr.records import read_status
from tests.conftest import ROOT, start_in_own_group

# Two groups (max_epochs does not stack) of two widths, a bucket per width. The launcher starts the longest
# buckets first: the 2-epoch ones complete on the third worker while the long ones train on the other two.
SWEEP = [
    "trainer.max_epochs=2,400",
    "hydra.launcher.n_jobs=3",
    "width=8,16",
    "data.num_samples=2000",
    "logger=none",
    "launcher=stacked",
    "torch_threads=1",
]
SHORT, LONG = ("0", "1"), ("2", "3")  # job numbers: max_epochs varies slowest


def _status(sweep: Path, job: str) -> str | None:
    record = sweep / job / "metrics.json"
    return json.loads(record.read_text())["status"] if record.exists() else None


def _interrupt_while_the_long_bucket_trains(command: list[str], log_dir: Path, to_group: bool = True) -> Path:
    process = start_in_own_group(command)
    deadline = time.monotonic() + 300
    while True:
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        sweeps = list((log_dir / "multiruns" / "train").glob("*"))
        if sweeps and all(_status(sweeps[0], job) == "completed" for job in SHORT):
            if all(_status(sweeps[0], job) == "running" for job in LONG):  # built: its bucket trains
                break
        time.sleep(0.05)
    if to_group:  # Ctrl-C in a terminal reaches the launcher and its workers
        os.killpg(process.pid, signal.SIGINT)
    else:  # `kill <pid>`: the launcher alone
        os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=300) != 0
    return sweeps[0]


def test_sigterm_to_the_launcher_alone_ends_its_workers_too(tmp_path):
    command = [sys.executable, "train.py", "-m", *SWEEP, f"paths.log_dir={tmp_path}"]
    sweep = _interrupt_while_the_long_bucket_trains(command, tmp_path, to_group=False)

    def statuses() -> list[str]:
        return [read_status(json.loads((sweep / job / "metrics.json").read_text())) for job in LONG]

    # An exiting process drops its command line before it stops running: its record reads `running` a
    # moment longer.
    deadline = time.monotonic() + 30
    while _group_alive(command) or "running" in statuses():
        assert time.monotonic() < deadline, f"the workers outlived their launcher: {statuses()}"
        time.sleep(0.1)
    assert statuses() == ["interrupted", "interrupted"]  # as their writer died; a rerun resumes them


def _group_alive(command: list[str]) -> bool:
    """Whether any process still runs this very command line (the launcher's forked workers do)."""
    wanted = "\0".join(command[1:]).encode()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and wanted in (proc / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


@pytest.mark.slow
def test_a_stacked_sweep_rerun_skips_completed_members_and_completes_the_interrupted(tmp_path):
    command = [sys.executable, "train.py", "-m", *SWEEP, f"paths.log_dir={tmp_path}"]
    sweep = _interrupt_while_the_long_bucket_trains(command, tmp_path)
    assert [_status(sweep, job) for job in LONG] != ["completed", "completed"]
    done = {
        job: ((sweep / job / "metrics.json").read_bytes(), (sweep / job / "metrics.json").stat().st_mtime_ns)
        for job in SHORT
    }

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"resuming the interrupted sweep {sweep}" in again.stdout
    assert sorted((tmp_path / "multiruns" / "train").iterdir()) == [sweep]
    for job in SHORT:
        assert f"already completed, skipped: {sweep / job}" in again.stdout
        record = sweep / job / "metrics.json"
        assert (record.read_bytes(), record.stat().st_mtime_ns) == done[job]
    for job in LONG:
        record = json.loads((sweep / job / "metrics.json").read_text())
        assert record["status"] == "completed"
        assert record["stacked"]["steps"] > 0
        assert (sweep / job / "checkpoints" / "last.ckpt").exists()

"""Ctrl-C in a sequential sweep stops the sweep; the same command in the same directory resumes it,
skipping completed jobs and continuing the interrupted one from its checkpoint."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

JOB = ["data.num_samples=600", "logger=none", "trainer.max_epochs=150", "callbacks.last_checkpoint.every_s=0"]


def _sweep(tmp_path: Path) -> list[str]:
    return [
        sys.executable,
        "train.py",
        "-m",
        "width=8,16",
        *JOB,
        "torch_threads=1",
        f"paths.log_dir={tmp_path}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]


@pytest.mark.slow
def test_ctrl_c_stops_the_sweep_and_the_same_command_resumes_it(tmp_path):
    sweep = tmp_path / "sweep"
    process = subprocess.Popen(
        _sweep(tmp_path), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    while not (sweep / "0" / "checkpoints" / "last.ckpt").is_file():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGINT)
    assert process.wait(timeout=300) == 128 + signal.SIGINT
    assert f"re-run the sweep with hydra.sweep.dir={sweep}" in process.stderr.read()
    first = json.loads((sweep / "0" / "metrics.json").read_text())
    assert first["status"] == "interrupted" and not (sweep / "1").exists()  # the sweep stopped

    again = subprocess.run(_sweep(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    records = [json.loads((sweep / str(i) / "metrics.json").read_text()) for i in (0, 1)]
    assert [r["status"] for r in records] == ["completed", "completed"]
    assert records[0]["resumed_from"] == str(sweep / "0" / "checkpoints" / "last.ckpt")

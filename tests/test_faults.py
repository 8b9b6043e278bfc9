"""Faults in the middle of work: a dead writer, a full disk, a path that is a file, a NaN, a second process,
a crafted checkpoint, a requeue signal. Each ends in one line and a record that tells the truth."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

from dlr import records
from dlr.errors import ConfigError
from dlr.records import read_record, read_status, write_record
from dlr.run.context import acquire_lock
from dlr.run.train import train
from tests.conftest import FAST
from tests.test_bad_input import fails_with

SMALL = [*FAST, "data.num_samples=1000"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_read_status_tells_live_from_dead(monkeypatch):
    alive = {"status": "running", "heartbeat": records.heartbeat()}
    dead = {"status": "running", "heartbeat": {**records.heartbeat(), "pid": _dead_pid()}}
    assert read_status(alive) == "running" and read_status(dead) == "interrupted"
    remote = {"status": "running", "heartbeat": {"pid": 1, "host": "elsewhere", "updated_at": 0.0}}
    assert read_status(remote) == "interrupted"  # another host, heartbeat long stale
    remote["heartbeat"]["updated_at"] = __import__("time").time()
    assert read_status(remote) == "running"
    assert read_status({"status": "completed"}) == "completed" and read_status(None) == "not_started"


def test_a_writer_that_ended_unreaped_reads_as_interrupted():
    """A zombie still answers kill(pid, 0): a stacked worker whose launcher died first is one until init
    reaps it, and its members must not read as running meanwhile."""
    writer = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        beat = {**records.heartbeat(), "pid": writer.pid, "started": records.process_started(writer.pid)}
        deadline = time.monotonic() + 30
        while Path(f"/proc/{writer.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(writer.pid, 0)  # not reaped: the pid still answers
        assert read_status({"status": "running", "heartbeat": beat}) == "interrupted"
    finally:
        writer.wait()


def test_a_reused_pid_does_not_look_alive(tmp_path):
    """A live process that is not the writer (its pid reused after the writer died) reads as interrupted:
    the heartbeat names the writer by pid and start stamp, and so does the run lock."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = records.process_started(other.pid)
        beat = {**records.heartbeat(), "pid": other.pid}
        assert read_status({"status": "running", "heartbeat": {**beat, "started": started}}) == "running"
        assert (
            read_status({"status": "running", "heartbeat": {**beat, "started": started - 1}}) == "interrupted"
        )
        lock = tmp_path / "run.lock"
        lock.write_text(f"{other.pid} {os.uname().nodename} {started - 1}")
        assert acquire_lock(tmp_path) == lock and lock.read_text().startswith(f"{os.getpid()} ")
    finally:
        other.kill()
        other.wait()


def test_output_path_that_is_a_file_is_one_line(make_cfg, capsys):
    cfg = make_cfg(SMALL)
    Path(cfg.paths.output_dir).parent.mkdir(parents=True)
    Path(cfg.paths.output_dir).write_text("not a directory")
    with pytest.raises(SystemExit) as exit_info:
        train(cfg)
    message = capsys.readouterr().err.strip()
    assert exit_info.value.code == 1 and message.splitlines() == [message]
    assert f"paths.output_dir: cannot create {cfg.paths.output_dir}" in message


def test_data_path_that_is_a_file_is_one_line(make_cfg, capsys, tmp_path):
    blocker = tmp_path / "data_is_a_file"
    blocker.write_text("")
    record = fails_with(make_cfg, capsys, [f"data.data_dir={blocker}", "data.num_samples=300"], str(blocker))
    assert "Not a directory" in record["error"] or "File exists" in record["error"]


def test_nan_loss_fails_the_run_naming_the_step(make_cfg, capsys):
    record = fails_with(
        make_cfg,
        capsys,
        ["optimizer=sgd", "optimizer.lr=1e30", "optimizer.momentum=0"],
        "non-finite loss at step",
    )
    assert record["status"] == "failed"


def test_second_process_on_a_run_directory_is_refused(make_cfg, capsys):
    cfg = make_cfg(SMALL)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run_dir = Path(cfg.paths.output_dir)
        run_dir.mkdir(parents=True)
        (run_dir / "run.lock").write_text(f"{holder.pid} {os.uname().nodename}")
        with pytest.raises(SystemExit):
            train(cfg)
        message = capsys.readouterr().err.strip()
        assert message.splitlines() == [message] and f"is in use by pid {holder.pid}" in message
    finally:
        holder.kill()
        holder.wait()
    (run_dir / "run.lock").write_text(f"{_dead_pid()} {os.uname().nodename}")  # stale: taken over
    assert train(make_cfg(SMALL))["status"] == "completed"
    assert not (run_dir / "run.lock").exists()


class _Payload:
    """Unpickling this would create ``marker``; a safe load must refuse before that."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_crafted_checkpoint_never_runs_its_payload(make_cfg, capsys, tmp_path):
    marker = tmp_path / "payload_ran"
    crafted = tmp_path / "crafted.ckpt"
    torch.save({"state_dict": {}, "payload": _Payload(marker)}, crafted)
    fails_with(
        make_cfg, capsys, [f"ckpt_path={crafted}"], f"ckpt_path: cannot read {crafted} as a checkpoint"
    )
    from dlr.run.evaluate import evaluate

    cfg = make_cfg(["logger=none", f"ckpt_path={crafted}"], config_name="eval", run_name="eval")
    with pytest.raises(SystemExit):
        evaluate(cfg)
    assert "cannot read" in capsys.readouterr().err
    assert not marker.exists()


class SendSignal(pl.Callback):
    """Test helper: the scheduler's signal arrives during the given epoch (as SLURM's would)."""

    def __init__(self, signum: int, epoch: int):
        self.signum, self.epoch, self.sent = signum, epoch, False

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.current_epoch == self.epoch and not self.sent:
            self.sent = True
            os.kill(os.getpid(), self.signum)


def test_requeue_signal_stops_at_the_epoch_end_records_and_hands_on(make_cfg, capsys):
    """submitit's timeout signal (SIGUSR2): last.ckpt at the epoch end, `interrupted`, then submitit's handler."""
    received = []
    previous = signal.signal(signal.SIGUSR2, lambda signum, frame: received.append(signum))
    try:
        cfg = make_cfg(
            [
                "trainer.max_epochs=5",
                "logger=none",
                "data.num_samples=1000",
                "callbacks.last_checkpoint.every_s=1000",
                "+callbacks.signal={_target_: tests.test_faults.SendSignal, signum: 12, epoch: 1}",
            ]
        )
        with pytest.raises(SystemExit) as exit_info:
            train(cfg)
    finally:
        signal.signal(signal.SIGUSR2, previous)
    assert exit_info.value.code == 128 + signal.SIGUSR2 and received == [signal.SIGUSR2]
    record = json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())
    assert record["status"] == "interrupted" and record["error"] == "interrupted by SIGUSR2"
    checkpoint = torch.load(record["checkpoint"], weights_only=True)
    assert checkpoint["loops"]["fit_loop"]["epoch_progress"]["current"]["completed"] == 2  # epochs 0 and 1
    assert "interrupted by SIGUSR2" in capsys.readouterr().err


def test_ckpt_last_takes_a_finished_run_of_the_same_model_and_skips_a_live_one(make_cfg, capsys):
    done = train(make_cfg([*SMALL, "callbacks=default", "trainer.max_epochs=1"], run_name="done"))
    live = Path(done["run_dir"]).parent / "live"
    (live / "checkpoints").mkdir(parents=True)
    (live / "checkpoints" / "last.ckpt").write_bytes(
        (Path(done["run_dir"]) / "checkpoints" / "last.ckpt").read_bytes()
    )
    write_record(live, {**done, "status": "running", "run_dir": str(live), "heartbeat": records.heartbeat()})
    from dlr.run.checkpoints.find import resolve_checkpoint

    cfg = make_cfg(SMALL, run_name="new")
    found = resolve_checkpoint("last", cfg.paths.log_dir, "train", cfg.paths.output_dir, done["choices"])
    assert found == Path(done["run_dir"]) / "checkpoints" / "last.ckpt"
    assert f"skipped {live}, still training (pid {os.getpid()})" in capsys.readouterr().err
    with pytest.raises(ConfigError) as error:
        resolve_checkpoint(
            "last", cfg.paths.log_dir, "train", cfg.paths.output_dir, {**done["choices"], "model": "cnn"}
        )
    message = str(error.value)
    assert "found no completed or interrupted run of task_name=train with model=cnn, data=mnist1d" in message
    assert f"nearest: {done['run_dir']} (model=mlp, data=mnist1d, completed)" in message


def test_sweep_summary_reads_a_dead_running_job_as_interrupted(tmp_path):
    from dlr.studies.aggregate import job_row

    write_record(
        tmp_path / "0", {"status": "running", "heartbeat": {**records.heartbeat(), "pid": _dead_pid()}}
    )
    assert job_row(tmp_path / "0", tmp_path)["status"] == "interrupted"


def test_ctrl_c_after_the_record_says_completed_leaves_it_completed(make_cfg, capsys, monkeypatch):
    """A signal between the final record and the process's end (a sweep's Ctrl-C as a job prints its
    metrics) stops the process, but the run did complete: a resumed sweep skips it, untouched."""

    def ctrl_c_now(*_args):
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr("dlr.run.train.console.print_metrics_table", ctrl_c_now)
    cfg = make_cfg([*SMALL, "logger=none"])
    with pytest.raises(SystemExit) as exit_info:
        train(cfg)
    assert exit_info.value.code == 128 + signal.SIGINT
    record = read_record(cfg.paths.output_dir)
    assert record["status"] == "completed" and "error" not in record
    assert "the run had completed first" in capsys.readouterr().err


def test_a_heartbeat_due_as_the_run_finishes_does_not_rewrite_the_final_record(make_cfg, monkeypatch):
    """The heartbeat thread takes its beat, the run writes its final record meanwhile: the beat is dropped."""
    final_written = threading.Event()
    real_heartbeat = records.heartbeat

    def beat_held_until_the_end() -> dict:
        if threading.current_thread().name != "dlr-heartbeat":
            return real_heartbeat()
        final_written.wait(60)
        return {**real_heartbeat(), "late": True}

    monkeypatch.setattr("dlr.run.context.HEARTBEAT_S", 0.01)
    monkeypatch.setattr("dlr.records.heartbeat", beat_held_until_the_end)
    cfg = make_cfg([*SMALL, "logger=none"])
    train(cfg)
    final_written.set()
    for thread in [t for t in threading.enumerate() if t.name == "dlr-heartbeat"]:
        thread.join(10)
    record = read_record(cfg.paths.output_dir)
    assert record["status"] == "completed" and "late" not in record["heartbeat"]

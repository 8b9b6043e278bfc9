"""SIGTERM and SIGINT during eval.py and predict.py: exit 128 + signal with one line, an ``interrupted``
record, the lock released, and no output (predictions, temp files) left looking finished."""

import json
import os
import signal
from pathlib import Path

import pytest

from dlr import records
from dlr.run import evaluate, predict
from dlr.run.train import train
from tests.conftest import FAST


@pytest.fixture
def checkpoint(make_cfg) -> str:
    record = train(
        make_cfg([*FAST, "callbacks=default", "data.num_samples=300", "width=8"], run_name="trained")
    )
    return f"{record['run_dir']}/checkpoints/last.ckpt"


def _signal_now(signum: int):
    os.kill(os.getpid(), signum)  # delivered to this, the main, thread before the next bytecode


def _interrupted(cfg, run, capsys, signum: int) -> dict:
    with pytest.raises(SystemExit) as exit_info:
        run(cfg)
    message = capsys.readouterr().err.strip().splitlines()[-1]
    name = signal.Signals(signum).name
    assert exit_info.value.code == 128 + signum
    assert (
        message
        == f"error: interrupted by {name}; nothing was written as finished; run the same command again"
    )
    run_dir = Path(cfg.paths.output_dir)
    assert not (run_dir / "run.lock").exists()
    record = json.loads((run_dir / "metrics.json").read_text())
    assert record["status"] == "interrupted" and record["error"] == f"interrupted by {name}"
    return record


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_signal_during_eval_records_interrupted(make_cfg, checkpoint, capsys, monkeypatch, signum):
    rebuild = evaluate.rebuild_run

    def rebuild_then_signal(*args):
        run = rebuild(*args)
        _signal_now(signum)
        return run

    monkeypatch.setattr(evaluate, "rebuild_run", rebuild_then_signal)
    cfg = make_cfg(["logger=none", f"ckpt_path={checkpoint}"], config_name="eval")
    assert "metrics" not in _interrupted(cfg, evaluate.evaluate, capsys, signum)


def test_a_signal_while_predictions_are_written_leaves_none(make_cfg, checkpoint, capsys, monkeypatch):
    outputs = predict.model_outputs

    def outputs_then_signal_at_the_write(*args):
        # The signal lands between the bytes of predictions.npy reaching disk and its rename.
        fsync = records.os.fsync

        def signal_once(descriptor: int) -> None:
            monkeypatch.setattr(records.os, "fsync", fsync)  # the interrupted record is written as usual
            _signal_now(signal.SIGTERM)

        monkeypatch.setattr(records.os, "fsync", signal_once)
        return outputs(*args)

    monkeypatch.setattr(predict, "model_outputs", outputs_then_signal_at_the_write)
    cfg = make_cfg([f"ckpt_path={checkpoint}"], config_name="predict")
    assert "predictions" not in _interrupted(cfg, predict.predict, capsys, signal.SIGTERM)
    assert sorted(
        p.name for p in Path(cfg.paths.output_dir).iterdir() if not p.name.startswith(".hydra")
    ) == ["metrics.json"]

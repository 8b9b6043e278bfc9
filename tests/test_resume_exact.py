"""Resume held to Composer's bar: atol = rtol = 0 on weights, optimizer and scheduler state, RNG state
(torch, numpy, Python) and metrics.

A run restarts from the last epoch boundary: ``last.ckpt`` is written only there (every ``every_s``
seconds, at a signal's epoch end, at the end of training). Killing a run anywhere (kill -9 at a random
step, SIGTERM, Ctrl-C) and resuming from ``last.ckpt`` must give exactly the run that was never stopped.
The checkpoint carries the torch, numpy and Python RNG states (``Task.on_save_checkpoint``); the training
loader keeps no generator between epochs (dlr/data/loader.py draws each epoch's order from a generator
seeded with seed and epoch), so there is no loader state to carry.

Trials: 13, with 0 divergences at the last run. Default suite: 3 (mlp after SIGTERM, after SIGINT, after
kill -9 at a random step). Slow (``-m slow``): 10, kill -9 at a random step for each family, two seeds:
supervised (mlp), generative (GAN), rule-based (RBM), recurrent (GRU, LSTM).
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from dlr.records import read_record, read_status
from dlr.run.train import train
from tests.conftest import ROOT

COMMON = ["logger=none", "trainer.num_sanity_val_steps=0", "callbacks.last_checkpoint.every_s=0"]
FAMILIES = {
    "mlp": ["model=mlp", "data.num_samples=600", "width=16"],
    "gan": [
        "model=gan",
        "data=digits",
        "model.net.output_activation=sigmoid",
        "data.batch_size=32",
        "width=16",
    ],
    "rbm": ["model=rbm", "data=binary_digits", "width=16"],
    "gru": ["model=gru", "data=sines", "width=8"],
    "lstm": ["model=lstm", "data.view=sequence", "data.num_samples=600", "width=8"],
}


def final_state(record: dict) -> dict:
    checkpoint = torch.load(Path(record["run_dir"]) / "checkpoints" / "last.ckpt", weights_only=True)
    assert set(checkpoint["dlr_rng"]) == {"torch", "numpy", "python"}
    keys = ("state_dict", "optimizer_states", "lr_schedulers", "epoch", "dlr_rng")
    return {key: checkpoint[key] for key in keys}


def assert_identical(found, expected, where: str = "") -> None:
    """Exact equality, tensors included, through nested dicts and lists."""
    if isinstance(expected, torch.Tensor):
        assert torch.equal(found, expected), f"{where} differs"
    elif isinstance(expected, dict):
        assert found.keys() == expected.keys(), where
        for key in expected:
            assert_identical(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list | tuple):
        assert len(found) == len(expected), where
        for i, (a, b) in enumerate(zip(found, expected, strict=True)):
            assert_identical(a, b, f"{where}[{i}]")
    else:
        assert found == expected, f"{where}: {found} != {expected}"


def learned_metrics(record: dict) -> dict:
    return {k: v for k, v in record["metrics"].items() if k.split("/")[0] in ("train", "val", "test")}


def resume_and_compare(make_cfg, overrides: list[str], straight: dict) -> dict:
    resumed = train(make_cfg([*overrides, "ckpt_path=last"], run_name="resumed"))
    assert resumed["status"] == "completed" and resumed["resumed_from"]
    assert_identical(final_state(resumed), final_state(straight), "checkpoint")
    assert learned_metrics(resumed) == learned_metrics(straight)
    return resumed


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_then_resume_equals_the_straight_run(make_cfg, signum):
    overrides = [*COMMON, *FAMILIES["mlp"], "trainer.max_epochs=4"]
    straight = train(make_cfg(overrides, run_name="straight"))
    sender = f"+callbacks.signal={{_target_: tests.test_faults.SendSignal, signum: {int(signum)}, epoch: 1}}"
    stopped_cfg = make_cfg([*overrides, sender], run_name="stopped")
    with pytest.raises(SystemExit) as exit_info:
        train(stopped_cfg)
    assert exit_info.value.code == 128 + signum
    record = read_record(stopped_cfg.paths.output_dir)
    assert record["status"] == "interrupted" and Path(record["checkpoint"]).is_file()
    resume_and_compare(make_cfg, overrides, straight)


def _kill_at_random_step(
    overrides: list[str], epochs: int, log_dir: Path, data_dir: Path, rng: random.Random
) -> Path:
    """Start ``train.py`` and kill -9 it at a random moment of its first half; its run dir.

    The moment is drawn in units of the run's own epoch time, timed from last.ckpt's rewrites (one per
    epoch here), so that a machine fast enough to finish 60 epochs in under a second still gets killed
    mid-run rather than after its record says ``completed``.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "train.py",
        *overrides,
        f"paths.log_dir={log_dir}",
        f"paths.data_dir={data_dir}",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240

    def still_running() -> None:
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()

    while not (
        found := [
            p for p in log_dir.glob("runs/train/*/checkpoints/last.ckpt") if p.parents[1].name != "straight"
        ]
    ):
        still_running()
        time.sleep(0.002)
    (checkpoint,) = found
    timed_epochs, rewrites, last_mtime = 3, 0, checkpoint.stat().st_mtime_ns
    started = time.monotonic()
    while rewrites < timed_epochs:
        still_running()
        time.sleep(0.001)
        if (mtime := checkpoint.stat().st_mtime_ns) != last_mtime:
            rewrites, last_mtime = rewrites + 1, mtime
    epoch_s = (time.monotonic() - started) / timed_epochs
    time.sleep(rng.uniform(0.0, epoch_s * (epochs - 1 - timed_epochs) / 2))
    process.kill()
    assert process.wait() == -signal.SIGKILL, "the run ended before it could be killed: raise max_epochs"
    return checkpoint.parents[1]


def _kill9_trial(make_cfg, data_dir: Path, family: str, epochs: int, seed: int) -> None:
    overrides = [*COMMON, *FAMILIES[family], f"trainer.max_epochs={epochs}", "torch_threads=1"]
    straight = train(make_cfg(overrides, run_name="straight"))
    log_dir = Path(straight["run_dir"]).parents[2]
    killed = _kill_at_random_step(overrides, epochs, log_dir, data_dir, random.Random(seed))
    record = read_record(killed)
    assert record["status"] == "running" and read_status(record) == "interrupted"  # the writer is gone
    resumed = resume_and_compare(make_cfg, overrides, straight)
    assert Path(resumed["resumed_from"]).parents[1] == killed


def test_kill9_at_a_random_step_then_resume_equals_the_straight_run(make_cfg, data_dir):
    _kill9_trial(make_cfg, data_dir, "mlp", epochs=60, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("family", "epochs"), [("mlp", 60), ("gan", 40), ("rbm", 60), ("gru", 40), ("lstm", 40)]
)
@pytest.mark.parametrize("seed", [1, 2])
def test_kill9_each_family(make_cfg, data_dir, family, epochs, seed):
    _kill9_trial(make_cfg, data_dir, family, epochs, seed)

"""Run directories: two launches in the same second never share one, also when they inherit an id."""

import json
import os
import subprocess
import sys

import pytest
from hydra.core.hydra_config import HydraConfig

from dlr.config.resolvers import LAUNCH_VARIABLE, launch_uid
from tests.conftest import ROOT

RUN_DIR = ["--cfg", "all", "--resolve", "--package", "hydra.run"]


def _start(args: list[str], env: dict) -> subprocess.Popen:
    command = [sys.executable, "train.py", *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _run_dirs(env: dict, count: int, tmp_path) -> list[str]:
    """``hydra.run.dir`` of ``count`` train.py commands started at once, as a notebook's shell starts them."""
    started = [_start([*RUN_DIR, f"paths.log_dir={tmp_path}"], env) for _ in range(count)]
    outputs = [process.communicate(timeout=120) for process in started]
    assert all(process.returncode == 0 for process in started), outputs
    return [out.split("dir: ", 1)[1].strip() for out, _ in outputs]


def test_commands_from_one_parent_get_their_own_launch_ids(tmp_path):
    # The parent ran dlr before (a notebook's kernel), so its children inherit its launch id.
    inherited = f"{launch_uid()}@{os.getpid()}"
    env = {**os.environ, LAUNCH_VARIABLE: inherited}
    first, second = _run_dirs(env, 2, tmp_path)
    ids = {first.rsplit("_", 1)[1], second.rsplit("_", 1)[1]}
    assert len(ids) == 2 and launch_uid() not in ids, (first, second)


def test_a_ddp_rank_started_by_its_launch_shares_the_launch_id(tmp_path):
    # Lightning starts ranks 1.. as `python train.py ...` children of rank 0, with LOCAL_RANK set.
    env = {**os.environ, LAUNCH_VARIABLE: f"123456789@{os.getpid()}", "LOCAL_RANK": "1"}
    (run_dir,) = _run_dirs(env, 1, tmp_path)
    assert run_dir.endswith("_123456789"), run_dir


def test_run_and_sweep_dirs_carry_the_launch_id(make_cfg):
    make_cfg([])
    hydra_cfg = HydraConfig.get()
    uid = launch_uid()
    assert hydra_cfg.run.dir.endswith(uid) and hydra_cfg.sweep.dir.endswith(uid)


@pytest.mark.slow
def test_two_runs_started_together_from_one_parent_both_complete_in_their_own_directories(tmp_path):
    env = {**os.environ, LAUNCH_VARIABLE: f"{launch_uid()}@{os.getpid()}", "PYTHONUNBUFFERED": "1"}
    budget = ["trainer.max_epochs=1", "data.num_samples=200", "logger=none", "callbacks=none"]
    started = [_start([*budget, f"paths.log_dir={tmp_path}"], env) for _ in range(2)]
    for process in started:
        assert process.wait(timeout=300) == 0, process.stderr.read()
    records = [json.loads(p.read_text()) for p in tmp_path.glob("runs/train/*/metrics.json")]
    assert [r["status"] for r in records] == ["completed", "completed"]

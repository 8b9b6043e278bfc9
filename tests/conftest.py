"""Fixtures: compose the real configs with hydra.compose and run the real flow in-process on tiny budgets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from dlr.config.compose import compose_config

ROOT = Path(__file__).resolve().parents[1]

# Test models are tiny: a second intra-op thread buys nothing and stalls badly when the cores are shared.
torch.set_num_threads(1)

# Overrides for a quick in-process run with no files beyond metrics.json.
FAST = ["trainer.max_epochs=3", "callbacks=none", "logger=none", "trainer.num_sanity_val_steps=0"]


def run_cli(*args: str, log_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python train.py <args>`` as a user runs it, writing under ``log_dir``, with ``env`` added to the
    environment."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    command = [sys.executable, "train.py", *args, f"paths.log_dir={log_dir}"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def start_in_own_group(command: list[str]) -> subprocess.Popen:
    """``command`` started as from a terminal: its own process group (a signal can reach it and its workers),
    stderr kept for the failure message."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One generated-data cache for the whole session, so mnist1d is generated once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def make_cfg(tmp_path, data_dir):
    """``make_cfg(overrides, config_name="train", run_name="run")`` composes a config writing into tmp_path."""

    def _make(
        overrides: list[str] | None = None, config_name: str = "train", run_name: str = "run"
    ) -> DictConfig:
        log_dir = tmp_path / "outputs"
        # Laid out as real runs are (runs/<task_name>/<run>), so `ckpt_path=last` finds them.
        return compose_config(
            overrides,
            log_dir / "runs" / config_name / run_name,
            config_name,
            data_dir=data_dir,
            log_dir=log_dir,
        )

    yield _make
    GlobalHydra.instance().clear()

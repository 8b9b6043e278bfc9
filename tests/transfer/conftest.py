"""Shared pieces of the transfer tests: a built task from the real configs, and a dlr checkpoint of it."""

from pathlib import Path

import pytest
import torch

from dlr import build
from dlr.tasks.base import Task


@pytest.fixture
def build_task(make_cfg):
    """``build_task(overrides)`` -> (cfg, datamodule, task), built as the flow builds them (no transfer yet)."""

    def _build(overrides: list[str]):
        cfg = make_cfg(overrides)
        datamodule = build.build_datamodule(cfg)
        return cfg, datamodule, build.build_task(cfg, datamodule)

    return _build


@pytest.fixture
def save_checkpoint(tmp_path):
    """``save_checkpoint(task)`` -> path of a checkpoint in dlr's format, written without a training run."""

    def _save(task: Task, name: str = "pretrained.ckpt") -> Path:
        path = tmp_path / name
        torch.save({"state_dict": task.state_dict(), "dlr_config": {"model": {"name": "mlp"}}}, path)
        return path

    return _save

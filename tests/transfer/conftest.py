"""Shared pieces of the transfer tests: a built task from the real configs, and a dlr checkpoint of it."""

from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate

from dlr.tasks import from_config
from dlr.tasks.base import Task
from dlr.transfer.apply import FineTune, Transfer


@pytest.fixture
def build_task(make_cfg):
    """``build_task(overrides)`` -> (cfg, datamodule, task), built as the flow builds them: the net, then
    the config's transfer applied to it, then the task around the transformed net."""

    def _build(overrides: list[str]):
        cfg = make_cfg(overrides)
        datamodule = from_config.build_datamodule(cfg)
        transformed = instantiate(cfg.transfer, _convert_="all").apply(from_config.build_net(cfg, datamodule))
        return cfg, datamodule, from_config.build_task(cfg, datamodule, transformed)

    return _build


@pytest.fixture
def save_checkpoint(tmp_path):
    """``save_checkpoint(task)`` -> path of a checkpoint in dlr's format, written without a training run."""

    def _save(task: Task, name: str = "pretrained.ckpt") -> Path:
        path = tmp_path / name
        torch.save({"state_dict": task.state_dict(), "dlr_config": {"model": {"name": "mlp"}}}, path)
        return path

    return _save


def finetune(checkpoint: Path, partial: bool = False) -> FineTune:
    """``transfer=finetune transfer.checkpoint=<checkpoint>`` (and ``transfer.partial``), as an object."""
    return FineTune("finetune", str(checkpoint), partial=partial, reset_head=False)


def freeze(**options) -> Transfer:
    """``transfer=freeze`` with only ``options`` set in ``transfer.freeze``."""
    return Transfer("freeze", checkpoint=None, partial=False, reset_head=False, freeze=options)

"""The run's device: the one Lightning's Trainer picks, said in the first lines and kept in metrics.json."""

import json
from pathlib import Path

import psutil
import pytest
import pytorch_lightning as pl
import torch

from dlr.device import accelerator_type, describe
from dlr.quant.precision import accelerator_of
from dlr.run.build import build_trainer
from dlr.run.train import train
from tests.conftest import FAST

#: What a user may ask for on this machine (the Trainer refuses a GPU that is not there).
REQUESTS = ["auto", "cpu", *(["gpu", "cuda"] if torch.cuda.is_available() else [])]


@pytest.mark.parametrize("requested", REQUESTS)
def test_dlr_resolves_the_accelerator_the_trainer_runs_on(make_cfg, requested):
    cfg = make_cfg([f"trainer.accelerator={requested}", *FAST])
    trainer = build_trainer(cfg, [], [])
    assert accelerator_type(requested) == accelerator_of(cfg) == trainer.strategy.root_device.type


def test_the_default_trainer_asks_for_auto_and_gets_lightnings_own_choice(make_cfg):
    cfg = make_cfg(FAST)
    lightning = pl.Trainer(accelerator="auto", devices=1, logger=False, enable_checkpointing=False)
    assert cfg.trainer.accelerator == "auto"
    assert accelerator_of(cfg) == lightning.strategy.root_device.type


def test_the_cpu_is_described_by_its_model_name_and_the_machines_memory():
    description = describe("cpu")
    assert description["accelerator"] == "cpu" and description["devices"] == 1
    assert description["memory_bytes"] == psutil.virtual_memory().total
    assert description["name"] and description["name"] != "cpu"


def test_a_run_says_its_device_in_the_first_lines_and_records_it(make_cfg, capsys):
    record = train(make_cfg([*FAST, "trainer.max_epochs=1"]))
    lines = capsys.readouterr().out.splitlines()
    expected = describe(accelerator_type("auto"))
    device_lines = [i for i, line in enumerate(lines) if line.startswith("device: ")]
    assert device_lines and device_lines[0] < 4, lines[:6]  # after the config's lines, before any build
    assert lines[device_lines[0]].startswith(f"device: {expected['accelerator']}, {expected['name']}")
    written = json.loads((Path(record["run_dir"]) / "metrics.json").read_text())
    assert written["device"] == expected

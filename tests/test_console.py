"""The console: a compact config and a saved resolved one, optimizer steps on the bar and the logged axis."""

import csv
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
import wandb
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from wandb.proto import wandb_internal_pb2

from dlr.console import human_bytes, print_config_tree
from dlr.run import batch_groups
from dlr.run.callbacks.progress import StepProgressBar
from dlr.run.train import train
from dlr.tasks import from_config
from dlr.tasks.supervised import SupervisedTask
from tests.conftest import FAST
from tests.wandb_records import _payloads


def test_bytes_read_as_people_write_them():
    assert [human_bytes(n) for n in (512, 60_840, 914_000_000, 2.5e9)] == [
        "512 B",
        "60.8 KB",
        "914 MB",
        "2.5 GB",
    ]


def test_config_is_two_lines_and_the_resolved_tree_is_saved(make_cfg, capsys):
    cfg = make_cfg(["model=cnn", "width=64", "trainer.max_epochs=2"])
    print_config_tree(cfg)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("config: data=mnist1d augment=none model=cnn ") and "hydra" not in lines[0]
    assert lines[1] == "changed: width=64 trainer.max_epochs=2"
    saved = Path(cfg.paths.output_dir) / "config_resolved.yaml"
    assert lines[2] == f"full config: {saved}"
    text = saved.read_text()
    assert "${" not in text and OmegaConf.create(text).model.net.width == 64


def _logged_train_steps(record: dict) -> list[int]:
    with open(Path(record["run_dir"]) / "csv" / "metrics.csv") as rows:
        return [int(r["step"]) for r in csv.DictReader(rows) if r.get("train/loss")]


def test_logged_steps_count_optimizer_steps_as_the_checkpoint_does(make_cfg):
    # 900 training rows in batches of 128: 8 optimizer steps an epoch, all in one batch group.
    overrides = [*FAST, "data.num_samples=1250", "logger=csv", "callbacks=default", "~callbacks.progress_bar"]
    grouped = train(make_cfg(overrides, run_name="grouped"))
    single = train(make_cfg([*overrides, "data.batches_per_step=1"], run_name="single"))
    checkpoint = torch.load(Path(grouped["run_dir"]) / "checkpoints" / "last.ckpt", weights_only=True)
    assert grouped["data"]["batches_per_step"] > 1 and checkpoint["global_step"] == 3 * 8
    # Lightning logs an epoch's metrics at the index of its last optimizer step; groups change nothing.
    assert _logged_train_steps(grouped) == _logged_train_steps(single) == [7, 15, 23]


def test_progress_bar_counts_optimizer_steps_and_shows_loss_and_validation(make_cfg):
    cfg = make_cfg([*FAST, "data.num_samples=1250"])
    datamodule = from_config.build_datamodule(cfg)
    bar = StepProgressBar()
    trainer = pl.Trainer(
        max_epochs=3, callbacks=[bar], logger=False, enable_checkpointing=False, enable_model_summary=False
    )
    group_steps = batch_groups.configure(trainer, SupervisedTask, datamodule)
    assert group_steps != "off" and datamodule.train_group_size > 1
    task = from_config.build_task(cfg, datamodule, group_steps=group_steps)
    trainer.fit(task, datamodule=datamodule)
    (shown,) = bar.progress.tasks
    assert shown.completed == shown.total == trainer.global_step == 24
    assert shown.description == "epoch 3/3"
    assert shown.fields["metrics"].startswith("loss ") and " val/acc " in shown.fields["metrics"]


def _wandb_run(run_dir: str):
    """The RunRecord (id, display name) of the offline W&B run in ``run_dir``."""
    (run_file,) = Path(run_dir).glob("wandb/offline-run-*/run-*.wandb")
    for payload in _payloads(run_file.read_bytes()):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        if record.WhichOneof("record_type") == "run":
            return record.run
    raise AssertionError(f"no run record in {run_file}")


@pytest.mark.slow
def test_wandb_runs_are_named_by_their_overrides_and_a_resume_continues_the_run(make_cfg, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    common = [*FAST, "data.num_samples=1000", "logger=wandb", "callbacks=default", "~callbacks.progress_bar"]
    first_overrides = [*common, "width=32"]
    first = train(make_cfg(first_overrides, run_name="first"))
    resumed = train(make_cfg([*first_overrides, "trainer.max_epochs=4", "ckpt_path=last"], run_name="again"))
    wandb.teardown()  # the W&B service writes the run files asynchronously; this waits for them
    first_run, resumed_run = _wandb_run(first["run_dir"]), _wandb_run(resumed["run_dir"])
    assert first_run.display_name == ",".join(first_overrides)
    assert resumed_run.run_id == first_run.run_id


def test_tensorboard_hparams_hold_the_final_metrics(make_cfg):
    record = train(make_cfg([*FAST, "data.num_samples=1000", "logger=tensorboard"]))
    events = EventAccumulator(str(Path(record["run_dir"]) / "tensorboard"))
    events.Reload()
    assert events.PluginTagToContent("hparams")  # the HParams tab's session records
    scalars = {tag: events.Scalars(tag)[-1].value for tag in events.Tags()["scalars"]}
    assert scalars["hp_metric"] == pytest.approx(record["metrics"]["test/acc"])
    assert scalars["test/loss"] == pytest.approx(record["metrics"]["test/loss"])


def test_pictures_a_run_writes_reach_tensorboard_as_images(make_cfg):
    record = train(make_cfg([*FAST, "model=ae", "data=digits", "logger=tensorboard"]))
    pictures = sorted(p.stem for p in Path(record["run_dir"]).glob("*.png"))
    events = EventAccumulator(str(Path(record["run_dir"]) / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert pictures and sorted(events.Tags()["images"]) == pictures

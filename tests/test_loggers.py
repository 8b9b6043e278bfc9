"""Real loggers: CSV, TensorBoard and W&B (offline, no account) each write what a user looks for."""

from pathlib import Path

import wandb

from dlr.run import train
from tests.wandb_records import read_offline_run

RUN = ["data.num_samples=1000", "trainer.max_epochs=2", "callbacks=none", "trainer.num_sanity_val_steps=0"]


def test_many_loggers_write_csv_tensorboard_and_offline_wandb(make_cfg, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    cfg = make_cfg([*RUN, "logger=many", "tags=[logger_test]"])
    record = train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    assert record["status"] == "completed"

    assert "val/acc" in (run_dir / "csv" / "metrics.csv").read_text().splitlines()[0]
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))

    wandb.teardown()  # the W&B service writes the run file asynchronously; this waits for it
    (wandb_run,) = list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    config, summary = read_offline_run(wandb_run)
    assert config["model"]["name"] == "mlp" and config["width"] == 100  # the fully resolved config
    assert config["data"]["data_dir"] == cfg.paths.data_dir
    assert abs(summary["test/acc"] - record["metrics"]["test/acc"]) < 1e-6

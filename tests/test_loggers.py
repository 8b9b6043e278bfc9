"""Real loggers: CSV, TensorBoard and W&B (offline, no account) each write what a user looks for."""

from pathlib import Path

import pytest
import wandb

from dlr.run.train import train
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


@pytest.mark.slow
def test_the_pictures_a_run_makes_reach_tensorboard_and_offline_wandb(make_cfg, monkeypatch):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    cfg = make_cfg(["model=ae", "data=digits", "trainer.max_epochs=1", "callbacks=none", "logger=many"])
    assert train(cfg)["status"] == "completed"
    run_dir = Path(cfg.paths.output_dir)
    pictures = {p.stem for p in run_dir.glob("*.png")}
    assert pictures, "the autoencoder run wrote no picture to send"

    logged = set()
    for events in (run_dir / "tensorboard").rglob("events.out.tfevents.*"):  # hparams write their own file
        accumulator = EventAccumulator(str(events), size_guidance={"images": 0})
        logged |= set(accumulator.Reload().Tags()["images"])
    assert pictures <= logged

    wandb.teardown()  # the W&B service writes the run's files asynchronously; this waits for them
    (offline_run,) = (run_dir / "wandb").glob("offline-run-*")
    sent = {p.name.rsplit("_", 2)[0] for p in (offline_run / "files" / "media" / "images").glob("*.png")}
    assert pictures <= sent


def test_ckpt_path_last_resumes_the_wandb_run_of_the_checkpoint_it_loads(make_cfg, monkeypatch):
    """``last`` picks the newest run of the same model and data; its W&B run, not the newest one's, goes on."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    first = train(make_cfg([*RUN, "logger=wandb", "callbacks=default"], run_name="mlp"))
    train(make_cfg([*RUN, "logger=wandb", "callbacks=default", "model=cnn"], run_name="cnn_newer"))
    wandb.teardown()
    (mlp_run,) = (Path(first["run_dir"]) / "wandb").glob("offline-run-*")
    resumed_cfg = make_cfg(
        [*RUN, "logger=wandb", "ckpt_path=last", "trainer.max_epochs=3"], run_name="resumed"
    )
    resumed = train(resumed_cfg)
    wandb.teardown()
    assert resumed["resumed_from"] == str(Path(first["run_dir"]) / "checkpoints" / "last.ckpt")
    (resumed_run,) = (Path(resumed["run_dir"]) / "wandb").glob("offline-run-*")
    assert resumed_run.name.rsplit("-", 1)[1] == mlp_run.name.rsplit("-", 1)[1]


def test_every_tensorboard_scalar_is_logged_once_per_step_and_finals_only_in_hparams(make_cfg):
    """Read back with TensorBoard's own EventAccumulator, over the whole run directory as TensorBoard does."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    cfg = make_cfg([*RUN, "trainer.max_epochs=3", "logger=many"], run_name="charts")
    record = train(cfg)
    events = EventAccumulator(str(Path(cfg.paths.output_dir) / "tensorboard"))
    events.Reload()
    steps = {tag: [e.step for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}
    for tag, logged in steps.items():
        assert all(a < b for a, b in zip(logged, logged[1:], strict=False)), (tag, logged)
    assert len(steps["train/loss"]) == len(steps["val/loss"]) == 3  # one point per epoch, none at step 0
    assert 0 not in steps["train/loss"] and steps["epoch"][:3] == steps["train/loss"]
    (hp_metric,) = events.Scalars("hp_metric")
    assert hp_metric.value == pytest.approx(record["metrics"]["test/acc"])


def test_every_csv_metric_is_written_once_per_step(make_cfg):
    import pandas as pd

    cfg = make_cfg([*RUN, "trainer.max_epochs=3", "logger=csv"], run_name="csv_once")
    train(cfg)
    rows = pd.read_csv(Path(cfg.paths.output_dir) / "csv" / "metrics.csv")
    for column in rows.columns.drop("step"):
        logged = rows.loc[rows[column].notna(), "step"]
        assert logged.is_unique, (column, list(logged))

"""DDP simulated with 2 CPU processes over gloo trains and tests through the same flow, with the CSV logger."""

import csv

import pytest
import torch

from dlr.run import train


# Four spawned interpreters (fit and test, two ranks each); the default suite runs the README's
# `python train.py trainer=ddp_sim` in tests/test_docs.py.
@pytest.mark.slow
def test_ddp_sim_trains_and_tests_on_two_processes_with_the_default_logger(make_cfg):
    cfg = make_cfg(
        [
            "trainer=ddp_sim",
            "data=digits",
            "trainer.max_epochs=5",
            "callbacks=none",
            # saving is collective: every rank must take the same every_s decision, or the run hangs
            "+callbacks.last_checkpoint._target_=dlr.last_checkpoint.LastCheckpoint",
            "+callbacks.last_checkpoint.dirpath=${paths.output_dir}/checkpoints",
            "+callbacks.last_checkpoint.every_s=0",
            "trainer.num_sanity_val_steps=0",
        ]
    )
    record = train(cfg)
    assert record["status"] == "completed"
    assert record["metrics"]["val/acc"] > 0.5  # chance is 0.1
    assert record["metrics"]["test/acc"] > 0.5
    assert record["data"]["batches_per_step"] == 1  # DDP syncs gradients once per Lightning step
    last = torch.load(f"{cfg.paths.output_dir}/checkpoints/last.ckpt", weights_only=True)
    assert last["epoch"] == 5  # written at the end of training, after 5 epochs
    # fit and test ran in different spawned processes; both wrote their columns into one metrics.csv
    with open(f"{cfg.paths.output_dir}/csv/metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert {"train/loss", "val/acc", "test/acc"} <= set(rows[0])
    assert sum(bool(row["val/acc"]) for row in rows) == 5
    assert sum(bool(row["test/acc"]) for row in rows) == 1

"""DDP simulated with 2 CPU processes over gloo trains and tests through the same flow, with the CSV logger."""

import csv
import json

import pytest
import torch

from dlr.run.train import train
from tests.conftest import run_cli


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
            "+callbacks.last_checkpoint._target_=dlr.run.checkpoints.last.LastCheckpoint",
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


@pytest.mark.slow
def test_a_ddp_sim_sweep_runs_each_job_once_on_two_ranks(tmp_path):
    done = run_cli(
        "-m",
        "trainer=ddp_sim",
        "width=8,16",
        "trainer.max_epochs=1",
        "data.num_samples=500",
        log_dir=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(path.read_text()) for path in sorted(tmp_path.glob("**/metrics.json"))]
    # Each job once, in its own directory: no spawned rank re-ran the sweep or wrote a run of its own.
    assert [record["status"] for record in records] == ["completed", "completed"]
    widths = sorted(
        int(o.split("=")[1]) for record in records for o in record["overrides"] if o.startswith("width=")
    )
    assert widths == [8, 16]
    for record in records:
        assert {"memory/measured/rank0/peak_rss_bytes", "memory/measured/rank1/peak_rss_bytes"} <= set(
            record["metrics"]
        )
    assert records[0]["metrics"]["params/total"] != records[1]["metrics"]["params/total"]

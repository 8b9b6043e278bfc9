"""The real train flow, in-process: it learns, records, resumes exactly and reproduces."""

import json

import torch

from dlr.evaluate import evaluate
from dlr.run import train
from tests.conftest import FAST


def test_default_mlp_learns_mnist1d_and_writes_record(make_cfg):
    cfg = make_cfg(["trainer.max_epochs=8", "logger=csv"])
    record = train(cfg)
    assert record["status"] == "completed"
    assert record["metrics"]["test/acc"] > 0.3  # chance is 0.1
    on_disk = json.loads(open(f"{cfg.paths.output_dir}/metrics.json").read())
    assert on_disk["status"] == "completed" and on_disk["metrics"]["params/total"] == 40 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10

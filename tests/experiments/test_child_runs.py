"""A driver's forked run honours its own torch_threads, as a Hydra-launched job does."""

import torch

from dlr.experiments.child_runs import run_in_child
from tests.conftest import FAST


def test_a_forked_run_uses_its_torch_threads_not_the_parents(make_cfg, tmp_path):
    cfg = make_cfg(["data=iris", "model=mlp"])
    paths = {"data_dir": cfg.paths.data_dir, "log_dir": cfg.paths.log_dir}
    assert torch.get_num_threads() == 1  # the suite's own setting (tests/conftest.py)
    overrides = ["data=iris", "model=mlp", "width=8", *FAST, "trainer.max_epochs=1", "torch_threads=3"]
    record = run_in_child(overrides, tmp_path / "trials" / "iris" / "mlp" / "000", tmp_path, paths)
    assert record["status"] == "completed" and record["timing"]["torch_threads"] == 3
    assert torch.get_num_threads() == 1  # the parent keeps its own

"""TabM inside experiment=tabular_benchmark: its search space reaches the net, and its trials run."""

import json
import random
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dlr.experiments.tabular_benchmark import run_benchmark
from dlr.nets.tabm import TabMNet
from dlr.run.train import train
from dlr.tabular.search import sample_overrides


def test_points_of_the_tabm_space_reach_its_net_and_optimizer(make_cfg):
    space = OmegaConf.to_container(make_cfg(["experiment=tabular_benchmark"]).tabular_benchmark.search_spaces)
    assert "tabm" in make_cfg(["experiment=tabular_benchmark"]).tabular_benchmark.models
    for seed in range(3):
        drawn = dict(o.split("=") for o in sample_overrides(space["tabm"], random.Random(seed)))
        cfg = make_cfg(["model=tabm", *(f"{key}={value}" for key, value in drawn.items())])
        net = cfg.model.net
        assert (net.width, net.depth, net.k) == tuple(
            int(drawn[f"model.net.{key}"]) for key in ("width", "depth", "k")
        )
        assert cfg.optimizer.lr == pytest.approx(float(drawn["optimizer.lr"]))
        assert 64 <= net.width <= 1024 and net.width % 16 == 0 and 1 <= net.depth <= 5
        TabMNet((6,), 1, width=net.width, depth=net.depth, k=net.k, dropout=net.dropout)  # tabm accepts it


@pytest.mark.slow
def test_tabm_trials_run_in_the_benchmark_with_its_search_space(make_cfg):
    cfg = make_cfg([
        "experiment=tabular_benchmark", "tabular_benchmark.n_trials=2", "tabular_benchmark.n_shuffles=2",
        "tabular_benchmark.datasets=[carseats]", "tabular_benchmark.models=[tabm]", "logger=none",
        "trainer.max_epochs=2",
    ])  # fmt: skip
    record = train(cfg, run_benchmark)
    assert record["status"] == "completed"
    trials = Path(cfg.paths.output_dir) / "trials" / "carseats" / "tabm"
    default, drawn = (json.loads((trials / f"{n:03d}" / "metrics.json").read_text()) for n in (0, 1))
    assert default["status"] == drawn["status"] == "completed"
    # Trial 0 is TabM's defaults; trial 1 sets every key of the space.
    space = set(cfg.tabular_benchmark.search_spaces.tabm)
    assert space <= {o.split("=")[0] for o in drawn["overrides"]}
    assert not space & {o.split("=")[0] for o in default["overrides"]}
    assert all(trial["metrics"]["test/r2"] > 0.0 for trial in (default, drawn))  # the mean scores 0

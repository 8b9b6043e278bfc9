"""experiment=trees_vs_nets: trees fit flattened signals, images and graph nodes; the report compares families,
also across shards run apart."""

import json
from pathlib import Path

import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from dlr.data.base import Split
from dlr.experiments.tabular_benchmark import dataset_plan
from dlr.run.train import train
from dlr.studies.tabular_structures import gaps, write_structure_report
from dlr.tabular.flat_rows import estimator_rows
from tests.conftest import FAST


def test_a_graph_gives_one_row_per_labelled_node_and_signals_are_flattened():
    graph = torch.arange(3 * 5, dtype=torch.float32).reshape(1, 3, 5)  # 3 nodes, 3 + 2 columns each
    x, y = estimator_rows(Split(graph, torch.tensor([[-1, 2, 0]])))
    assert y.tolist() == [2, 0] and x.tolist() == graph[0, 1:].tolist()
    x, y = estimator_rows(Split(torch.zeros(4, 1, 40), torch.zeros(4, 1)))
    assert x.shape == (4, 40) and y.shape == (4,)


@pytest.mark.slow
def test_trees_learn_flattened_images_and_graph_nodes(make_cfg):
    digits = train(make_cfg(["model=hist_gbm", "width=20", "data=digits", *FAST]))
    assert digits["metrics"]["test/acc"] > 0.1 + 0.6  # ten classes: chance is 10%
    nodes = train(make_cfg(["model=random_forest", "width=50", "data=sbm", *FAST], run_name="sbm"))
    assert nodes["metrics"]["test/acc"] > 1 / 3 + 0.2  # three communities; adjacency rows are columns
    assert nodes["data"]["n_train"] == 3 * 5  # the labelled nodes: 5 per community, each one row


def test_each_family_is_picked_by_validation_and_the_gap_is_nets_minus_trees():
    rows = [  # dataset, split, model, val, test
        ("t", 0, "tree_a", 0.9, 0.80), ("t", 0, "tree_b", 0.7, 0.95), ("t", 0, "net", 0.8, 0.85),
        ("t", 1, "tree_a", 0.9, 0.82), ("t", 1, "tree_b", 0.7, 0.99), ("t", 1, "net", 0.8, 0.86),
    ]  # fmt: skip
    trials = pd.DataFrame(rows, columns=["dataset", "split", "model", "val", "test"]).assign(metric="acc")
    (row,) = gaps(trials, {"table": ["t"]}, ["tree_a", "tree_b"]).to_dict("records")
    assert row["best_tree"] == "tree_a"  # the better validation score, although tree_b tests higher
    assert [round(g, 9) for g in row["gaps"]] == [5.0, 4.0]
    assert abs(row["gap_mean"] - 4.5) < 1e-9 and row["winner"] == "nets"  # 4.5 > its spread of 0.7


def test_structures_run_the_trees_plus_their_own_nets_and_only_the_nets_get_net_overrides(make_cfg):
    cfg = make_cfg(["experiment=trees_vs_nets"])
    plan = {dataset: dict(models) for dataset, models in dataset_plan(cfg.tabular_benchmark)}
    assert list(plan["sbm"]) == ["hist_gbm", "random_forest", "xgboost", "gcn"]
    assert list(plan["digits"])[-2:] == ["mlp", "cnn"] and "tabm" in plan["spam"]
    sines = plan["sines"]
    assert "width=32" in sines["lstm"] and "width=32" not in sines["hist_gbm"]
    assert sines["lstm"][: len(sines["hist_gbm"])] == sines["hist_gbm"]  # the same windows for both


def _shard(
    run_dir: Path, structures: dict[str, list[str]], scores: dict[tuple[str, int, str], float]
) -> None:
    """A run directory as the benchmark leaves it: its saved config and one metrics.json per trial."""
    spec = {"models": ["tree"], "structures": {name: {"datasets": sets} for name, sets in structures.items()}}
    (run_dir / ".hydra").mkdir(parents=True)
    OmegaConf.save({"tabular_benchmark": spec}, run_dir / ".hydra" / "config.yaml")
    for (dataset, split, model), test in scores.items():
        trial = run_dir / "trials" / f"{dataset}@{split}" / model / "000"
        trial.mkdir(parents=True)
        record = {"status": "completed", "data": {"task_type": "classification"}}
        record["metrics"] = {"val/acc": test, "test/acc": test}
        (trial / "metrics.json").write_text(json.dumps(record))


def test_the_report_merges_shards_run_apart(tmp_path):
    first, second = tmp_path / "tables", tmp_path / "sequences"
    _shard(first, {"table": ["t"]}, {("t", 0, "tree"): 0.9, ("t", 0, "net"): 0.8})
    _shard(second, {"sequence": ["s"]}, {("s", 0, "tree"): 0.5, ("s", 0, "net"): 0.7})
    spec = OmegaConf.load(first / ".hydra" / "config.yaml").tabular_benchmark
    metrics = write_structure_report(first, spec, [second])
    table = pd.read_csv(first / "trees_vs_nets.csv")
    assert table["structure"].tolist() == ["table", "sequence"] and table["winner"].tolist() == [
        "trees",
        "nets",
    ]
    assert abs(metrics["gap/t"] + 10) < 1e-6 and abs(metrics["gap/s"] - 20) < 1e-6
    assert (first / "trees_vs_nets.png").stat().st_size > 0

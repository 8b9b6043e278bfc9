"""A reduced benchmark (two datasets, two models, a few trials) writes its table and its plot."""

import faulthandler
import json
import random
from pathlib import Path

from dlr.experiments.child_runs import run_in_child
from dlr.experiments.tabular_benchmark import run_benchmark
from dlr.run.train import train
from dlr.tabular.search import sample_overrides


def cells(line: str) -> list[str]:
    """A markdown table row's cells, without the padding."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_random_search_draws_inside_the_space():
    space = {
        "lr": "tag(log, interval(0.001, 0.1))",
        "depth": "range(1, 4)",
        "kind": "choice(linear, periodic)",
    }
    draws = [dict(o.split("=") for o in sample_overrides(space, random.Random(seed))) for seed in range(20)]
    assert all(0.001 <= float(d["lr"]) <= 0.1 and d["depth"] in {"1", "2", "3"} for d in draws)
    assert {d["kind"] for d in draws} == {"linear", "periodic"}
    assert sample_overrides(space, random.Random(3)) == sample_overrides(space, random.Random(3))


def test_reduced_benchmark_writes_tables_and_plot(make_cfg):
    cfg = make_cfg([
        "experiment=tabular_benchmark", "tabular_benchmark.n_trials=2", "tabular_benchmark.n_shuffles=3",
        "tabular_benchmark.n_splits=2", "tabular_benchmark.datasets=[carseats]",
        "tabular_benchmark.models=[random_forest,mlp]", "trainer.max_epochs=4", "logger=none",
        # Small search spaces keep the test quick; the experiment's own spaces are larger.
        'tabular_benchmark.search_spaces.random_forest={width: "choice(10, 20)"}',
        'tabular_benchmark.search_spaces.mlp={width: "choice(16, 32)", optimizer.lr: "interval(1e-3, 1e-2)"}',
    ])  # fmt: skip
    record = train(cfg, run_benchmark)
    assert record["status"] == "completed"
    run_dir = Path(cfg.paths.output_dir)
    trials = sorted(p.relative_to(run_dir).parts[1:4] for p in run_dir.glob("trials/*/*/*/metrics.json"))
    assert len(trials) == 2 * 2 * 2 and {t[0] for t in trials} == {"carseats@0", "carseats@1"}
    split_seeds = {
        json.loads((run_dir / "trials" / d / "mlp" / "000" / "metrics.json").read_text())["overrides"][-1]
        for d in ("carseats@0", "carseats@1")
    }
    assert split_seeds == {"data.split_seed=0", "data.split_seed=1"}
    table = [cells(line) for line in (run_dir / "table.md").read_text().splitlines()]
    assert table[0] == ["model", "carseats", "mean score", "average rank"]
    assert {row[0] for row in table[2:]} == {"random_forest", "mlp"}
    assert all(len(value.split(".")[1]) == 3 for row in table[2:] for value in row[1:])  # floatfmt .3f
    scores = [cells(line) for line in (run_dir / "scores.md").read_text().splitlines()]
    assert scores[0] == ["model", "carseats (r2)"] and all(" ± " in row[1] for row in scores[2:])
    assert (run_dir / "score_vs_iterations.png").stat().st_size > 10_000
    ranks = [record["metrics"][f"rank/{model}"] for model in ("random_forest", "mlp")]
    assert sorted(ranks) in ([1.0, 2.0], [1.5, 1.5])


def test_a_trial_that_kills_its_process_is_recorded_failed_and_the_next_runs(make_cfg, tmp_path):
    cfg = make_cfg(["experiment=tabular_benchmark"])
    paths = {"data_dir": cfg.paths.data_dir, "log_dir": cfg.paths.log_dir}
    base = ["callbacks=none", "logger=none", "data=carseats", "model=random_forest", "width=10"]
    # os.abort as the estimator class: the child dies of SIGABRT before it can write a failed record.
    # (without width=, which params=null leaves nothing to read)
    crash = [*base[:-1], "model.estimator.regressor=os.abort", "model.estimator.params=null"]
    faulthandler.disable()  # pytest's handler would print the aborting child's stack
    try:
        dead = run_in_child(crash, tmp_path / "trials" / "carseats" / "crash" / "000", tmp_path, paths)
    finally:
        faulthandler.enable()
    assert dead["status"] == "failed" and dead["error"] == "run process died of SIGABRT"
    on_disk = json.loads((tmp_path / "trials" / "carseats" / "crash" / "000" / "metrics.json").read_text())
    assert on_disk["status"] == "failed"  # not left at `running`
    alive = run_in_child(base, tmp_path / "trials" / "carseats" / "rf" / "000", tmp_path, paths)
    assert alive["status"] == "completed" and alive["metrics"]["test/r2"] > 0.3
    # Running again reuses the completed record instead of fitting again.
    assert run_in_child(base, tmp_path / "trials" / "carseats" / "rf" / "000", tmp_path, paths) == alive

"""experiment=tabular_benchmark: every model on every dataset and split, a random search per model, one table.

Each trial is an ordinary run of the single-run flow (Lightning for nets, the estimator path for trees),
composed from the same configs and written to ``<run dir>/trials/<dataset>/<model>/<trial>/metrics.json``
(``<dataset>@<split>`` when ``n_splits`` > 1). Trial 0 uses the model's defaults, as in Grinsztajn et al.
(2022), and later trials draw from the model's search space.

Each trial runs in its own forked process (:mod:`dlr.experiments.child_runs`): if it dies (an error, a
memory kill), it is recorded as ``failed`` with the exit status and the benchmark goes on. Re-running into the same directory
skips the completed trials. Then ``dlr.studies.tabular_report`` reads the files and writes the table and plot.
"""

import random
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.errors import require
from dlr.experiments.child_runs import run_in_child
from dlr.run.context import RunContext
from dlr.studies.tabular_report import PLOT_FILE, SCORES, TABLE_FILE, write_report
from dlr.studies.tabular_structures import write_structure_report
from dlr.tabular.search import sample_overrides

# The benchmark's own choices; every other command-line override reaches each trial.
NOT_PASSED_ON = ("experiment=", "tabular_benchmark", "data=", "model=", "task_name=")
SPLIT_SEPARATOR = "@"


def dataset_plan(spec: DictConfig) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(dataset, [(model, its overrides on that dataset)]) in run order.

    Without ``structures`` every model runs on every dataset with the dataset's own overrides. With it
    (experiment=trees_vs_nets) the datasets are those of the structures, and each runs ``models`` (the trees)
    plus its structure's nets; the nets alone also get the structure's ``net_overrides`` (their size and
    epochs), so the trees keep their defaults and every model sees the same data.
    """
    extra = OmegaConf.to_container(spec.dataset_overrides, resolve=False)  # ${seed} stays for each trial
    structures = spec.structures
    if not structures:
        return [(d, [(model, extra.get(d, [])) for model in spec.models]) for d in spec.datasets]
    plan = []
    for structure in structures.values():
        net_overrides = list(structure.get("net_overrides") or [])
        for dataset in structure.datasets:
            own = extra.get(dataset, [])
            trees = [(model, own) for model in spec.models]
            plan.append((dataset, trees + [(net, [*own, *net_overrides]) for net in structure.nets]))
    return plan


def _trials(spec: DictConfig, seed: int):
    """(dataset, the model's overrides on it, split, model, trial, sampled overrides) per trial, in run order."""
    spaces = OmegaConf.to_container(spec.search_spaces, resolve=False) or {}
    for dataset, models in dataset_plan(spec):
        for split in range(spec.n_splits):
            for model, model_overrides in models:
                # The same search points on every split, so splits measure the data's noise, not the search's.
                rng = random.Random(f"{seed}/{dataset}/{model}")
                for trial in range(spec.n_trials):
                    sampled = sample_overrides(spaces.get(model) or {}, rng) if trial else []
                    yield dataset, model_overrides, split, model, trial, sampled


def run_benchmark(cfg: DictConfig, context: RunContext, earlier: dict | None) -> dict:
    """The driver behind ``train.py experiment=tabular_benchmark`` (dlr.run.train's body): its record."""
    spec = cfg.tabular_benchmark
    require(spec.n_trials >= 1, "tabular_benchmark.n_trials", f"must be >= 1, got {spec.n_trials}")
    require(spec.n_splits >= 1, "tabular_benchmark.n_splits", f"must be >= 1, got {spec.n_splits}")
    bench_dir = Path(context.run_dir)
    paths = {"data_dir": str(cfg.paths.data_dir), "log_dir": str(cfg.paths.log_dir)}
    # Which key a split sets: the table's data.split_seed, or the run's seed for data without one.
    split_key = spec.split_key
    own = (*NOT_PASSED_ON, f"{split_key}=")
    passed_on = [o for o in context.record["overrides"] if not o.lstrip("+~").startswith(own)]
    for dataset, model_overrides, split, model, trial, sampled in _trials(spec, cfg.seed):
        name = dataset if spec.n_splits == 1 else f"{dataset}{SPLIT_SEPARATOR}{split}"
        # The command line comes after the dataset's and model's own overrides, so it can shrink them (budgets).
        overrides = [*spec.trial_overrides, f"data={dataset}", *model_overrides, *passed_on]
        overrides += [f"model={model}", *sampled]
        if spec.n_splits > 1:
            overrides.append(f"{split_key}={split}")
        record = run_in_child(
            overrides, bench_dir / "trials" / name / model / f"{trial:03d}", bench_dir, paths
        )
        _report_trial(name, model, trial, record)
    metrics = write_report(bench_dir, spec.n_shuffles, cfg.seed)
    if metrics and spec.structures:
        metrics.update(write_structure_report(bench_dir, spec))
    record = context.finish(
        status="completed" if metrics else "failed",
        metrics=metrics,
        table=str(bench_dir / TABLE_FILE),
        plot=str(bench_dir / PLOT_FILE),
    )
    console.console.print((bench_dir / TABLE_FILE).read_text() if metrics else "no trial completed")
    return record


def _report_trial(dataset: str, model: str, trial: int, record: dict) -> None:
    if record.get("status") != "completed":
        console.console.print(
            f"{dataset} {model} #{trial}: failed ({record.get('error', 'see its metrics.json')})"
        )
        return
    metric = SCORES[record["data"]["task_type"]]
    values = {stage: record["metrics"].get(f"{stage}/{metric}", float("nan")) for stage in ("val", "test")}
    console.console.print(
        f"{dataset} {model} #{trial}: val/{metric}={values['val']:.4f} test/{metric}={values['test']:.4f}"
    )

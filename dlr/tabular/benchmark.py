"""experiment=tabular_benchmark: every model on every dataset, a random search per model, one table.

Each trial is an ordinary run (Lightning for nets, the estimator path for trees) composed from the same
configs and written to ``<run dir>/trials/<dataset>/<model>/<trial>/metrics.json``; trial 0 uses the
model's defaults, as in Grinsztajn et al. (2022), and later trials draw from the model's search space.
A failed trial is recorded and skipped. Re-running into the same directory skips completed trials.
Then ``dlr.tabular.report`` reads the files and writes the table and the score-vs-iterations plot.
"""

import random
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.compose import compose_config
from dlr.errors import require
from dlr.records import read_record
from dlr.tabular.report import PLOT_FILE, SCORES, TABLE_FILE, write_report
from dlr.tabular.search import sample_overrides

# The benchmark's own choices; every other command-line override reaches each trial.
NOT_PASSED_ON = ("experiment=", "tabular_benchmark", "data=", "model=", "task_name=")


def run_trial(overrides: list[str], run_dir: Path, cfg: DictConfig) -> dict | None:
    """One run in this process, as a job of a sweep rooted at the benchmark (so a failure doesn't stop it)."""
    from dlr.run import train  # dlr.run dispatches here, so import it late

    benchmark_hydra = HydraConfig.instance().cfg
    sweep = ["hydra.mode=MULTIRUN", f"hydra.sweep.dir={cfg.paths.output_dir}"]
    try:
        trial_cfg = compose_config(
            [*overrides, *sweep], run_dir, data_dir=cfg.paths.data_dir, log_dir=cfg.paths.log_dir
        )
        console.console.quiet = True
        return train(trial_cfg) or read_record(run_dir)  # a failed run returns None; its record says why
    finally:
        console.console.quiet = False
        HydraConfig.instance().cfg = benchmark_hydra


def run_benchmark(cfg: DictConfig, context) -> dict:
    spec = cfg.tabular_benchmark
    require(spec.n_trials >= 1, "tabular_benchmark.n_trials", f"must be >= 1, got {spec.n_trials}")
    bench_dir = Path(context.run_dir)
    passed_on = [o for o in context.record["overrides"] if not o.lstrip("+~").startswith(NOT_PASSED_ON)]
    spaces = OmegaConf.to_container(spec.search_spaces, resolve=False) or {}
    for dataset in spec.datasets:
        for model in spec.models:
            rng = random.Random(f"{cfg.seed}/{dataset}/{model}")
            for trial in range(spec.n_trials):
                sampled = sample_overrides(spaces.get(model) or {}, rng) if trial else []
                overrides = [*spec.trial_overrides, *passed_on, f"data={dataset}", f"model={model}", *sampled]
                record = run_trial(overrides, bench_dir / "trials" / dataset / model / f"{trial:03d}", cfg)
                _report_trial(dataset, model, trial, record)
    metrics = write_report(bench_dir, spec.n_shuffles, cfg.seed)
    record = context.finish(
        status="completed",
        metrics=metrics,
        table=str(bench_dir / TABLE_FILE),
        plot=str(bench_dir / PLOT_FILE),
    )
    console.console.print((bench_dir / TABLE_FILE).read_text() if metrics else "no trial completed")
    return record


def _report_trial(dataset: str, model: str, trial: int, record: dict | None) -> None:
    if record is None or record.get("status") != "completed":
        console.console.print(
            f"{dataset} {model} #{trial}: failed ({(record or {}).get('error', 'see its metrics.json')})"
        )
        return
    metric = SCORES[record["data"]["task_type"]]
    values = {stage: record["metrics"].get(f"{stage}/{metric}", float("nan")) for stage in ("val", "test")}
    console.console.print(
        f"{dataset} {model} #{trial}: val/{metric}={values['val']:.4f} test/{metric}={values['test']:.4f}"
    )

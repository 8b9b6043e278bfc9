"""An Optuna search's own figures: optimization history and parameter importances, drawn by Optuna.

The search's study lives in the sweeper's process (in memory by default), so it is rebuilt from the jobs'
records: each completed trial with its swept values and its objective (``optimized_metric``), over the
distributions the sweeper itself parsed from ``hydra.sweeper.params`` (hydra-optuna-sweeper's parser).
"""

import math
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from dlr.records import job_dirs

HISTORY_NAME, IMPORTANCES_NAME = "optuna_history.png", "optuna_importances.png"


def optuna_search(sweep_dir: Path) -> DictConfig | None:
    """A job's config with its ``hydra`` block (the sweeper's), when the sweep was an Optuna search."""
    for job_dir in job_dirs(sweep_dir):
        saved = job_dir / ".hydra"
        if (saved / "config.yaml").is_file() and (saved / "hydra.yaml").is_file():
            config = OmegaConf.load(saved / "config.yaml")
            config.hydra = OmegaConf.load(saved / "hydra.yaml").hydra
            return config if "optuna" in str(config.hydra.sweeper.get("_target_", "")).lower() else None
    return None


def rebuilt_study(table: pd.DataFrame, search: DictConfig):
    import optuna
    from hydra_plugins.hydra_optuna_sweeper._impl import create_params_from_overrides

    sweeper, metric = search.hydra.sweeper, search.get("optimized_metric") or "test/acc"
    if metric not in table:  # what train.py returned to the sweeper then
        metric = "test/loss"
    distributions, _ = create_params_from_overrides([f"{k}={v}" for k, v in sweeper.params.items()])
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per added trial
    study = optuna.create_study(direction=str(sweeper.direction), study_name=metric)
    completed = table[table["status"] == "completed"] if metric in table else table.iloc[:0]
    for _, row in completed.iterrows():
        if not all(name in row and pd.notna(row[name]) for name in distributions) or not math.isfinite(
            row[metric]
        ):
            continue
        params = {name: row[name] for name in distributions}
        study.add_trial(
            optuna.trial.create_trial(params=params, distributions=distributions, value=row[metric])
        )
    return study


def plot_optuna(table: pd.DataFrame, sweep_dir: Path, search: DictConfig) -> dict[str, Path]:
    """Optuna's history (always) and importances (2+ trials with 2+ parameters) as PNGs in ``sweep_dir``."""
    import warnings

    import matplotlib
    import optuna

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator
    from optuna.visualization import matplotlib as optuna_plots

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # "may change"

    study = rebuilt_study(table, search)
    if not study.trials:
        return {}
    metric = study.study_name
    written = {}
    axes = optuna_plots.plot_optimization_history(study, target_name=metric)
    axes.set(
        xlabel="trial",
        ylabel=metric,
        title=f"Optuna search: {metric} per trial ({study.direction.name.lower()})",
    )
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # trials are numbered
    written["optuna_history"] = _save(axes.figure, sweep_dir / HISTORY_NAME, plt)
    if len(study.trials) >= 2 and len(study.trials[0].distributions) >= 2:
        written["optuna_importances"] = _save(
            _importances_figure(study, plt), sweep_dir / IMPORTANCES_NAME, plt
        )
    return written


def _importances_figure(study, plt):
    """Optuna's importances, drawn here: Optuna 2.10's own bar chart calls ``matplotlib.cm.get_cmap``, which
    matplotlib 3.9 removed, and its default fANOVA evaluator fails on today's NumPy (the forest's works)."""
    import optuna

    evaluator = optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)
    importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
    names = list(importances)[::-1]  # the most important on top
    figure, axes = plt.subplots()
    axes.barh(names, [importances[n] for n in names], color="tab:blue")
    axes.set(
        xlabel=f"importance for {study.study_name} (share of impurity decrease)",
        ylabel="swept parameter",
        title=f"Parameter importances over {len(study.trials)} trials",
    )
    return figure


def _save(figure, path: Path, plt) -> Path:
    figure.set_size_inches(7, 4.5)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path

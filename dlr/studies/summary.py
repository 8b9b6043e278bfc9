"""Everything a finished (or interrupted) sweep gets: the tables and the plots, written into its directory."""

from pathlib import Path

from omegaconf import OmegaConf

from dlr.studies.aggregate import SEED_TABLE_NAME, TABLE_NAME, write_tables
from dlr.studies.comparison_plot import plot_comparison
from dlr.studies.composite_plot import plot_composite
from dlr.studies.optuna_plots import optuna_search, plot_optuna
from dlr.studies.plots import plot_curves, plot_effective

MULTIRUN_CONFIG = "multirun.yaml"


def study_settings(sweep_dir: str | Path) -> dict:
    """The sweep's ``study:`` block (capacity knob, threshold, theory) from Hydra's saved multirun config."""
    path = Path(sweep_dir) / MULTIRUN_CONFIG
    if not path.is_file():
        return {}
    cfg = OmegaConf.load(path)
    study = cfg.get("study")
    return OmegaConf.to_container(study, resolve=True) if study is not None else {}


def summarize(sweep_dir: str | Path, settings: dict | None = None, **changes) -> dict[str, Path]:
    """Write summary.csv, summary_over_seeds.csv and the PNGs; returns what was written, by name.

    ``changes`` override single study settings (``x_axis="knob"``, ``threshold="interpolation"``).
    """
    sweep_dir = Path(sweep_dir)
    settings = {**(study_settings(sweep_dir) if settings is None else settings), **changes}
    table, _ = write_tables(sweep_dir)
    written = {"table": sweep_dir / TABLE_NAME, "over_seeds": sweep_dir / SEED_TABLE_NAME}
    search = optuna_search(sweep_dir)
    if search is not None:  # a search, not a study along a capacity axis: Optuna's own figures
        return {**written, **plot_optuna(table, sweep_dir, search)}
    for name, plot in (("curves", plot_curves), ("effective", plot_effective), ("composite", plot_composite)):
        path = plot(table, sweep_dir, settings)
        if path is not None:
            written[name] = path
    if "curves" not in written:  # no capacity axis (a sweep over models or data sets): compare them instead
        path = plot_comparison(table, sweep_dir, settings)
        if path is not None:
            written["comparison"] = path
    return written

"""Everything a finished (or interrupted) sweep gets: the tables and the plots, written into its directory."""

from pathlib import Path

from omegaconf import OmegaConf

from dlr.studies.aggregate import SEED_TABLE_NAME, TABLE_NAME, write_tables
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


def summarize(sweep_dir: str | Path, settings: dict | None = None) -> dict[str, Path]:
    """Write summary.csv, summary_over_seeds.csv and the PNGs; returns what was written, by name."""
    sweep_dir = Path(sweep_dir)
    settings = study_settings(sweep_dir) if settings is None else settings
    table, _ = write_tables(sweep_dir)
    written = {"table": sweep_dir / TABLE_NAME, "over_seeds": sweep_dir / SEED_TABLE_NAME}
    for name, plot in (("curves", plot_curves), ("effective", plot_effective)):
        path = plot(table, sweep_dir, settings)
        if path is not None:
            written[name] = path
    return written

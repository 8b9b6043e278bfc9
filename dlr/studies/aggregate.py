"""One table per sweep: every job's ``metrics.json`` as a row, the swept overrides as columns.

Failed, interrupted and never-started jobs are rows too (with their status), so nothing silently drops
out of a study. A second table gives mean and std over seeds for every other combination of overrides.
"""

import json
from pathlib import Path

import pandas as pd
import yaml

from dlr.records import RECORD_NAME, job_dirs, read_status

TABLE_NAME = "summary.csv"
SEED_TABLE_NAME = "summary_over_seeds.csv"


def _value(text: str):
    """An override's value as YAML reads it: `0.15` is a float, `true` a bool, `mlp` a string."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _overrides(job_dir: Path, record: dict | None) -> dict:
    listed = (record or {}).get("overrides")
    saved = job_dir / ".hydra" / "overrides.yaml"
    if listed is None and saved.is_file():
        listed = yaml.safe_load(saved.read_text()) or []
    pairs = (item.split("=", 1) for item in listed or [] if "=" in item)
    return {key.lstrip("+~"): _value(value) for key, value in pairs}


def job_row(job_dir: Path, sweep_dir: Path) -> dict:
    path = job_dir / RECORD_NAME
    record = json.loads(path.read_text()) if path.is_file() else None
    # read_status: a `running` record whose process is gone reads as interrupted.
    row = {"job": str(job_dir.relative_to(sweep_dir)), "status": read_status(record)}
    row.update(_overrides(job_dir, record))
    if record is None:
        return row
    row.setdefault("seed", record.get("seed"))
    row.update(
        {f"data/{k}": v for k, v in (record.get("data") or {}).items() if not isinstance(v, list | dict)}
    )
    row.update(record.get("metrics") or {})
    row["wall_time_s"] = record.get("wall_time_s")
    row["error"] = record.get("error")
    return row


def collect(sweep_dir: str | Path) -> pd.DataFrame:
    sweep_dir = Path(sweep_dir)
    rows = [job_row(d, sweep_dir) for d in job_dirs(sweep_dir)]
    table = pd.DataFrame(rows)
    for key in swept_keys(table):
        if table[key].dtype == object:  # e.g. ridge=0.0 and ridge=gcv: compare as text, so groups sort
            table[key] = table[key].astype(str)
    if "test/acc" in table:
        table["test/error"] = 1.0 - table["test/acc"]
    if "train/acc" in table:
        table["train/error"] = 1.0 - table["train/acc"]
    return table


def swept_keys(table: pd.DataFrame) -> list[str]:
    """The override columns, other than seed, whose value changes between jobs (metric names have a '/')."""
    reserved = {"job", "status", "seed", "wall_time_s", "error"}
    overrides = [c for c in table.columns if "/" not in c and c not in reserved]
    return [c for c in overrides if table[c].nunique(dropna=False) > 1]


def over_seeds(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and std of each numeric column over seeds, per combination of the other overrides (completed)."""
    done = table[table["status"] == "completed"]
    keys = swept_keys(table)
    numeric = [c for c in done.select_dtypes("number").columns if c not in keys and c != "seed"]
    if done.empty or not numeric:
        return pd.DataFrame(columns=keys)
    grouped = done.groupby(keys, dropna=False, sort=True) if keys else done.groupby(lambda _: 0)
    stats = grouped[numeric].agg(["mean", "std"])
    stats.columns = [f"{name}_{stat}" for name, stat in stats.columns]
    stats["n_seeds"] = grouped.size()
    return stats.reset_index(drop=not keys)


def write_tables(sweep_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = collect(sweep_dir)
    seeds = over_seeds(table)
    table.to_csv(Path(sweep_dir) / TABLE_NAME, index=False)
    seeds.to_csv(Path(sweep_dir) / SEED_TABLE_NAME, index=False)
    return table, seeds

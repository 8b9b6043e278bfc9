"""Resuming a sweep's jobs: a job whose directory holds a completed record with the same overrides is skipped.

Re-running the same command reuses the interrupted sweep's directory (dlr/config/sweep_dirs.py). Hydra numbers the
jobs in the same order, so each job finds its own earlier record: a completed job is skipped, an
interrupted one (stopped by a signal, or killed: its process is gone) continues from its ``last.ckpt``, a
failed one runs again from the start.
"""

from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from dlr.records import read_record, read_status


def _earlier_record(cfg: DictConfig) -> dict | None:
    """This very job's earlier record in a resumed sweep (same overrides), else None."""
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None
    record = read_record(cfg.paths.output_dir)
    if record is None or record.get("overrides") != list(hydra_cfg.overrides.task):
        return None
    return record


def completed_before(cfg: DictConfig) -> dict | None:
    """The earlier record of this very job if it completed, else None (single runs always train)."""
    record = _earlier_record(cfg)
    return record if read_status(record) == "completed" else None


def interrupted_checkpoint(cfg: DictConfig) -> Path | None:
    """The ``last.ckpt`` an interrupted job of a resumed sweep continues from (unless ``ckpt_path`` is set)."""
    record = _earlier_record(cfg)
    last = Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt"
    if cfg.get("ckpt_path") is not None or read_status(record) != "interrupted" or not last.is_file():
        return None
    return last

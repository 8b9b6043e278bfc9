"""Resuming a sweep: a job whose directory holds a completed record with the same overrides is skipped.

Re-run the same command with ``hydra.sweep.dir=<the interrupted sweep's directory>``: Hydra numbers the
jobs in the same order, so each job finds its own earlier record. Failed and interrupted jobs run again.
"""

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from dlr.records import read_record


def completed_before(cfg: DictConfig) -> dict | None:
    """The earlier record of this very job if it completed, else None (single runs always train)."""
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None
    record = read_record(cfg.paths.output_dir)
    if record is None or record.get("status") != "completed":
        return None
    return record if record.get("overrides") == list(hydra_cfg.overrides.task) else None

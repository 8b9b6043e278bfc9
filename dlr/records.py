"""The one record per run: ``metrics.json``, written atomically so a reader never sees half a file.

A run writes ``status: running`` first and ``completed`` or ``failed`` last, so an interrupted run never
looks finished, and a sweep can skip exactly the jobs that completed.
"""

import json
import math
import os
from pathlib import Path

from lightning_utilities.core.rank_zero import rank_zero_only

RECORD_NAME = "metrics.json"
_RANK_VARIABLES = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK")


def global_rank() -> int:
    """Lightning's rank of this process; before Lightning is imported (a config error), the launcher's."""
    rank = getattr(rank_zero_only, "rank", None)  # set by Lightning on import and by its DDP strategies
    if rank is not None:
        return rank
    return next((int(os.environ[k]) for k in _RANK_VARIABLES if k in os.environ), 0)


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def write_record(run_dir: str | Path, record: dict) -> Path:
    """Write the record; under multi-process DDP only global rank 0 writes."""
    path = Path(run_dir) / RECORD_NAME
    if global_rank() != 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{RECORD_NAME}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(record, indent=2, default=_plain, sort_keys=False))
    partial.replace(path)
    return path


def read_record(run_dir: str | Path) -> dict | None:
    path = Path(run_dir) / RECORD_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def scalar_metrics(metrics: dict) -> dict[str, float]:
    """Lightning's callback metrics (tensors) as plain floats, sorted by name."""
    return {name: float(_plain(value)) for name, value in sorted(metrics.items())}

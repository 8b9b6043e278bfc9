"""Finding the checkpoint a run resumes: a file, or ``ckpt_path=last``."""

from pathlib import Path

from dlr import console
from dlr.errors import ConfigError, require
from dlr.records import LAST_CHECKPOINT, last_checkpoint_path, read_record, read_status

RESUMABLE = ("completed", "interrupted")


def _matches(record: dict, choices: dict | None) -> bool:
    found = record.get("choices") or {}
    if found.get("debug") == "fast_dev_run":  # Lightning's smoke test: its state is not a run to continue
        return False
    return choices is None or all(found.get(g) == choices.get(g) for g in ("model", "data"))


def _describe(run_dir: Path, record: dict, status: str) -> str:
    found = record.get("choices") or {}
    return f"{run_dir} (model={found.get('model')}, data={found.get('data')}, {status})"


def find_last_checkpoint(
    log_dir: str | Path, task_name: str, exclude: str | Path | None = None, choices: dict | None = None
) -> Path:
    """The ``last.ckpt`` of the newest completed or interrupted run of task_name with the same model and data.

    A run whose process still lives is never taken (its checkpoint changes under the reader); it is named.
    """
    root = Path(log_dir)
    candidates = [
        *root.glob(f"runs/{task_name}/*/{LAST_CHECKPOINT}"),
        *root.glob(f"multiruns/{task_name}/*/*/{LAST_CHECKPOINT}"),
    ]
    runs = sorted(
        (c.parents[1] for c in candidates if exclude is None or Path(exclude) not in c.parents),
        key=lambda run: last_checkpoint_path(run).stat().st_mtime,
        reverse=True,
    )
    others = []
    for run in runs:
        record = read_record(run) or {}
        status = read_status(record)
        if status == "running":
            console.print_error(
                f"ckpt_path=last: skipped {run}, still training (pid {record['heartbeat']['pid']})"
            )
        elif status in RESUMABLE and _matches(record, choices):
            return last_checkpoint_path(run)
        else:
            others.append(_describe(run, record, status))
    wanted = "" if choices is None else f" with model={choices.get('model')}, data={choices.get('data')}"
    nearest = f"; nearest: {'; '.join(others[:3])}" if others else ""
    raise ConfigError(
        "ckpt_path",
        f"`last` found no completed or interrupted run of task_name={task_name}{wanted} under {root}{nearest}",
    )


def resolve_checkpoint(
    ckpt_path: str | None, log_dir: str, task_name: str, run_dir: str, choices: dict | None = None
) -> Path | None:
    """``choices`` (the model and data groups) narrow ``last`` to runs of the same model and data."""
    if ckpt_path is None:
        return None
    if str(ckpt_path) == "last":
        return find_last_checkpoint(log_dir, task_name, exclude=run_dir, choices=choices)
    path = Path(ckpt_path).expanduser()
    require(path.is_file(), "ckpt_path", f"no such checkpoint file: {path}")
    return path

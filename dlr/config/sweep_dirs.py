"""Which directory a sweep writes in: re-running the same ``-m`` command continues its unfinished sweep.

``hydra.sweep.dir`` goes through ``sweep_dir`` (the ``dlr_sweep_dir`` resolver): the newest directory under
``multiruns/<task_name>`` whose ``sweep.json`` holds the same overrides is used again when it did not finish
well: ``interrupted`` (its launching process is gone, as after Ctrl-C, SIGTERM or kill -9) or ``failed``
(every job ran, but one or more did not complete: a user who fixed the cause re-runs the same command).
Otherwise, a new timestamped one: a sweep whose jobs all completed, and a live one, are never reused.
``resume_sweep=false``, or an explicit ``hydra.sweep.dir=``, starts elsewhere. What each job of a reused
directory then does (skip, continue, rerun) is dlr/run/checkpoints/resume.py's.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.errors import ConfigError
from dlr.records import LiveRecord, heartbeat, job_dirs, read_record, read_status, write_atomically

SWEEP_RECORD = "sweep.json"
_DECIDED = "DLR_SWEEP_DIRS"  # {fresh name: the directory used}, set by the launching process
# How often a live sweep refreshes its heartbeat (read on another host by its age).
SWEEP_HEARTBEAT_S = 30.0


def resumable_sweep(base: str | Path, overrides: list[str]) -> Path | None:
    """The newest sweep under ``base`` launched with exactly these overrides, if it was interrupted or a job
    of it did not complete."""
    same = [d for d in Path(base).glob("*/") if _sweep_record(d).get("overrides") == overrides]
    if not same:
        return None
    newest = max(same, key=lambda d: (_sweep_record(d).get("started_at", 0.0), d.name))
    return newest if read_status(_sweep_record(newest)) in ("interrupted", "failed") else None


def sweep_dir(base: str, fresh_name: str, *, _root_: DictConfig) -> str:
    """The resolver behind ``hydra.sweep.dir``, decided once per launch.

    The launching process decides from its own overrides; its jobs (recomposed with one job's overrides,
    perhaps in a joblib worker or on a SLURM node) read the decision from the environment, keyed by the
    launch's fresh name, which Hydra's cached ``now`` and ``dlr_uid`` keep the same in all of them.
    """
    fresh = str(Path(base) / fresh_name)
    decided = json.loads(os.environ.get(_DECIDED, "{}"))
    if fresh not in decided:
        overrides = list(OmegaConf.select(_root_, "hydra.overrides.task", default=[]))
        earlier = resumable_sweep(base, overrides) if _root_.get("resume_sweep", True) else None
        decided[fresh] = str(earlier or fresh)
        os.environ[_DECIDED] = json.dumps(decided)
    return decided[fresh]


def _sweep_record(directory: Path) -> dict:
    try:
        return read_record(directory, SWEEP_RECORD) or {}
    except ValueError:  # half a file from before writes were atomic: not a sweep to resume
        return {}


def job_fates(directory: Path) -> dict[str, str]:
    """Each job directory's name and fate (``completed``, ``failed``, ``interrupted``, ...)."""
    return {job.name: read_status(read_record(job)) for job in job_dirs(directory)}


class SweepRecord(Callback):
    """Writes ``sweep.json`` in the launching process: ``running`` with a heartbeat, then ``completed`` when
    every job completed, else ``failed``."""

    def __getstate__(self) -> dict:
        return {}  # joblib sends the callbacks to its workers, which never write the sweep record

    def __setstate__(self, state: dict) -> None:
        pass

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        directory = Path(str(config.hydra.sweep.dir))
        earlier = _sweep_record(directory)
        if read_status(earlier or None) == "running":  # alive: two launches must not share the jobs
            pid = earlier["heartbeat"]["pid"]
            console.print_error(f"hydra.sweep.dir: {directory} is in use by the live sweep of pid {pid}")
            sys.exit(1)
        if earlier:
            console.console.print(_resuming(directory, read_status(earlier)), highlight=False)
        self.path = directory / SWEEP_RECORD
        record = {
            "status": "running",
            "overrides": list(config.hydra.overrides.task),
            "started_at": earlier.get("started_at") or heartbeat()["updated_at"],
        }
        self._live = LiveRecord(self._write, record, SWEEP_HEARTBEAT_S, "dlr-sweep-heartbeat")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        # Runs before the summary callback, which exits non-zero when a job failed: every job has run.
        finished = all(fate == "completed" for fate in job_fates(self.path.parent).values())
        try:
            self._live.finish(status="completed" if finished else "failed")
        except ConfigError as error:  # a full disk: the jobs' own records tell their fates
            console.print_error(f"the sweep record could not be updated ({error})")

    def _write(self, record: dict) -> None:
        write_atomically(self.path, json.dumps(record, indent=2).encode())


def _resuming(directory: Path, status: str) -> str:
    """The one line a re-run prints: which jobs it keeps and which it runs again."""
    fates = job_fates(directory)
    again = ", ".join(f"job {name} {fate}" for name, fate in fates.items() if fate != "completed")
    kept = sum(fate == "completed" for fate in fates.values())
    return (
        f"resuming the {status} sweep {directory}: {kept} completed job(s) kept, the others run again"
        f"{f' ({again})' if again else ''}; resume_sweep=false starts a new sweep"
    )

"""The Hydra callback behind every sweep: checks the launcher, splits CPU threads, summarizes at the end.

Registered in ``conf/hydra/default.yaml``. ``on_multirun_start`` and ``on_multirun_end`` run once, in the
launching process, before the first job and after every job returned (the start also hands a SIGTERM to
that process on to its jobs' processes: :mod:`dlr.launcher_signals`); ``on_job_start`` runs inside each
job's process (a joblib worker, a SLURM node). A sweep in which a job failed exits non-zero at the end,
listing the failed jobs and why.
"""

import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.config.validation import check_launcher
from dlr.errors import ConfigError
from dlr.launcher_signals import hand_sigterm_to_descendants
from dlr.records import job_dirs, read_record, read_status


def threads_per_job(setting: int | str | None, n_jobs: int | None, cores: int | None = None) -> int | None:
    """``auto`` gives each of ``n_jobs`` parallel jobs an equal share of the cores (at least one)."""
    if setting in (None, "none"):
        return None
    if setting != "auto":
        return int(setting)
    cores = cores or os.cpu_count() or 1
    parallel = cores if not n_jobs or n_jobs < 0 else n_jobs
    return max(1, cores // parallel)


def unfinished_jobs(sweep_dir: str | Path) -> list[str]:
    """One line per job that did not complete: its directory, its fate and its error."""
    lines = []
    for job_dir in job_dirs(sweep_dir):
        record = read_record(job_dir)
        status = read_status(record)
        if status != "completed":
            lines.append(f"{job_dir.name}: {status}: {(record or {}).get('error') or 'no error recorded'}")
    return lines


class SweepCallback(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:  # a launcher option is read by the launcher before any job (and its own checks) runs
            check_launcher(config.hydra.launcher)
        except ConfigError as error:
            console.print_error(str(error))
            sys.exit(1)
        hand_sigterm_to_descendants()

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        launcher = config.hydra.get("launcher") or {}
        threads = threads_per_job(config.get("torch_threads"), launcher.get("n_jobs"))
        if threads is not None:
            import torch  # here, not above: Hydra builds this callback before a config error can answer

            torch.set_num_threads(threads)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        study = config.get("study")
        settings = OmegaConf.to_container(study, resolve=True) if study is not None else {}
        from dlr.studies.summary import summarize  # pandas and matplotlib: only once a sweep has ended

        try:
            written = summarize(config.hydra.sweep.dir, settings)
            console.console.print(f"sweep summary: [bold]{written['table']}[/]")
        except Exception as error:  # a plotting problem must not hide that the jobs themselves finished
            console.print_error(f"sweep summary failed: {type(error).__name__}: {error}")
        unfinished = unfinished_jobs(config.hydra.sweep.dir)
        for line in unfinished:
            console.print_error(f"job {line}")
        if unfinished:
            console.print_error(f"{len(unfinished)} job(s) of {config.hydra.sweep.dir} did not complete")
            sys.exit(1)

"""The front door of every run: ``train(cfg)``, behind ``train.py``, a driver's runs, the stacked
launcher's members and the Python API.

It skips a job its sweep already completed, validates the config once (before torch is imported: a bad
value answers in Hydra's time), takes the run directory, and runs the body (the single-run lifecycle of
:mod:`dlr.run.lifecycle`, or a driver's) under ``run_recorded``, which records every way a run can end and
releases the directory. Every run ends with ``metrics.json``; in a sweep a failed job is recorded and the
others go on.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass

from omegaconf import DictConfig

from dlr import console
from dlr.config.preflight import config_is_valid
from dlr.errors import ConfigError
from dlr.records import optimized_value, read_status
from dlr.run.checkpoints.resume import earlier_record
from dlr.run.context import RunContext, run_recorded


@dataclass
class OpenRun:
    context: RunContext
    #: This job's record from an earlier launch of its sweep, which an interrupted job resumes from.
    earlier: dict | None


#: A run's body: the single-run lifecycle, or a driver's; given the config, the run's context and the
#: job's earlier record.
Body = Callable[[DictConfig, RunContext, dict | None], dict]


def open_run(cfg: DictConfig) -> OpenRun | dict | None:
    """The run, opened; or what stands for it when there is nothing to run: the completed record of an
    earlier launch (the job is skipped) or None (the config is invalid, and recorded as failed)."""
    earlier = earlier_record(cfg)
    if read_status(earlier) == "completed":
        console.console.print(f"already completed, skipped: {earlier['run_dir']}")
        return earlier
    if not config_is_valid(cfg):
        return None
    try:
        return OpenRun(RunContext(cfg), earlier)
    except ConfigError as error:  # the run directory cannot be used: there is nowhere to record the failure
        console.print_error(str(error))
        sys.exit(1)


def train(cfg: DictConfig, body: Body | None = None) -> dict | None:
    """Run ``cfg`` through ``body`` (the single-run lifecycle by default); its record, None if it failed."""
    opened = open_run(cfg)
    if not isinstance(opened, OpenRun):
        return opened
    if body is None:
        from dlr.run.lifecycle import run_single as body  # torch and Lightning: only for a valid config
    return run_recorded(opened.context, lambda: body(cfg, opened.context, opened.earlier))


def job_value(cfg: DictConfig, record: dict | None) -> float | None:
    """What a Hydra job returns (a hyperparameter search optimizes it): a completed record's value."""
    if read_status(record) != "completed":
        return None
    return optimized_value(record["metrics"], cfg.get("optimized_metric"))

"""Where a run writes and how its end is told: the record (with a heartbeat), the lock, the console, the exit.

Every way a run can end leaves its fate in ``metrics.json``: ``completed``; ``failed`` with a one-line
error; ``interrupted`` (a signal) with the checkpoint to resume from. A run killed outright (kill -9, power
loss) leaves ``running`` with a heartbeat whose process is gone, which ``records.read_status`` reads as
``interrupted``. A lock file with the pid keeps a second process out of a run directory in use.
"""

import contextlib
import errno
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from hydra.types import RunMode
from omegaconf import DictConfig

from dlr import console
from dlr.errors import ConfigError, RunFailure, require
from dlr.records import LiveRecord, process_alive, process_started, write_record
from dlr.run.signals import STOPS, RunInterrupted

LOCK_NAME = "run.lock"
#: What an interrupted eval or predict says: it wrote nothing that looks finished.
NOTHING_TO_RESUME = "nothing was written as finished; run the same command again"
# How often a live run refreshes its heartbeat; a reader on another host waits records.STALE_AFTER_S.
HEARTBEAT_S = 30.0
RECORDED_CHOICES = ("model", "data", "debug")
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def acquire_lock(run_dir: Path) -> Path:
    """Refuse a run directory another live process holds; take over the lock of a dead one."""
    lock = run_dir / LOCK_NAME
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError("paths.output_dir", f"cannot create {run_dir}: {error.strerror}") from None
    mine = f"{os.getpid()} {socket.gethostname()} {process_started(os.getpid())}"
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid, host, started = (lock.read_text().split() + ["", "", ""])[:3]
            stamp = int(started) if started.isdigit() else None  # a reused pid is another process
            alive = host != socket.gethostname() or (pid.isdigit() and process_alive(int(pid), stamp))
            require(
                not alive or pid == str(os.getpid()),
                "paths.output_dir",
                f"{run_dir} is in use by pid {pid} on {host}; wait for it or remove {lock} if that run is gone",
            )
            lock.unlink(missing_ok=True)  # a stale lock of a dead process
            continue
        except OSError as error:
            raise ConfigError("paths.output_dir", f"cannot write in {run_dir}: {error.strerror}") from None
        try:
            os.write(descriptor, mine.encode())
        except OSError as error:  # a full disk takes the empty file but not its contents
            lock.unlink(missing_ok=True)
            raise ConfigError("paths.output_dir", f"cannot write in {run_dir}: {error.strerror}") from None
        finally:
            os.close(descriptor)
        return lock
    raise ConfigError("paths.output_dir", f"cannot take the lock {lock}")


class RunContext:
    def __init__(self, cfg: DictConfig):
        hydra_cfg = HydraConfig.get()
        self.cfg = cfg
        self.run_dir = str(cfg.paths.output_dir)
        self.multirun = hydra_cfg.mode == RunMode.MULTIRUN
        self.sweep_name = Path(hydra_cfg.sweep.dir).name if self.multirun else None
        self.started = time.time()
        self.lock = acquire_lock(Path(self.run_dir))
        choices = hydra_cfg.runtime.choices
        record = {
            "status": "running",
            "task_name": cfg.task_name,
            "seed": cfg.get("seed"),
            "overrides": list(hydra_cfg.overrides.task),
            "run_dir": self.run_dir,
            "choices": {group: choices.get(group) for group in RECORDED_CHOICES},
        }
        self._live = LiveRecord(partial(write_record, self.run_dir), record, HEARTBEAT_S, "dlr-heartbeat")
        self.record = self._live.record

    def finish(self, **fields) -> dict:
        return self._live.finish(**fields, wall_time_s=round(time.time() - self.started, 3))

    def close(self) -> None:
        self._live.stop()
        if self.lock.is_file() and self.lock.read_text().startswith(f"{os.getpid()} "):
            with contextlib.suppress(OSError):  # a read-only disk: the next run takes over a dead pid's lock
                self.lock.unlink(missing_ok=True)

    def interrupt(self, stop: RunInterrupted, hint: str | None = None) -> None:
        """Record ``interrupted`` with the checkpoint to resume from, then stop the process (and the sweep).

        ``hint`` replaces the line's advice on resuming where there is nothing to resume (eval, predict)."""
        last = Path(self.run_dir) / "checkpoints" / "last.ckpt"
        name = signal.Signals(stop.signum).name
        unrecorded = self._finish_quietly(
            status="interrupted",
            error=f"interrupted by {name}",
            checkpoint=str(last) if last.is_file() else None,
        )
        if hint is None and self.multirun:  # the sweep stops here; the same command continues it
            hint = f"re-run the same command to resume the sweep in {HydraConfig.get().sweep.dir}"
        elif self.record["status"] == "completed":  # the signal came after the final record was written
            hint = f"the run had completed first, and its record says so: {self.run_dir}"
        elif hint is None:
            hint = f"resume with ckpt_path={last if last.is_file() else 'null (no checkpoint yet)'}"
        console.print_error(f"interrupted by {name}; {hint}{unrecorded}")
        STOPS.forward(stop.signum)
        sys.exit(stop.exit_code)

    def fail(self, error: BaseException) -> None:
        error = _root_error(error)
        refused = isinstance(error, InstantiationException) and error.__cause__ is not None
        one_line = refused or isinstance(error, ConfigError | RunFailure | OSError)
        message = f"{type(error).__name__}: {error}"
        if isinstance(error, ConfigError | RunFailure):
            message = str(error)
        elif isinstance(error, OSError):  # a data or output path that is a file, full, or not writable
            message = self._os_error_line(error)
        elif (
            refused
        ):  # a value no rule knew, refused by the constructor it reached (Lightning's Trainer, ...)
            message = _refusal_line(error)
        unrecorded = self._finish_quietly(status="failed", error=message)
        console.print_error(message + unrecorded)
        if one_line and not self.multirun:
            sys.exit(1)
        if not self.multirun:
            raise error

    def _os_error_line(self, error: OSError) -> str:
        """The key whose path failed, where it is the run's own directory (a full disk, a file in the way)."""
        path = error.filename or ""
        reason = error.strerror or str(error)
        inside_run = Path(path).is_relative_to(self.run_dir) if path else error.errno in DISK_FULL
        if inside_run:
            return f"paths.output_dir: cannot write {path or self.run_dir}: {reason}"
        return f"{path or 'paths'}: {reason}"

    def _finish_quietly(self, **fields) -> str:
        """Record how the run ended, unless its record is already final: a completed run stays completed.
        Returns what to add to the run's last line: that the record could not be updated, and why."""
        if self.record["status"] == "completed":
            return ""
        try:
            self.finish(**fields)
        except ConfigError as error:  # the disk that failed the run cannot take its record either
            return f"; its record could not be updated ({error})"
        return ""


def _root_error(error: BaseException) -> BaseException:
    """Hydra wraps errors raised while instantiating; a ConfigError inside is what the user needs to see."""
    cause = error
    while cause is not None:
        if isinstance(cause, ConfigError | RunFailure):
            return cause
        cause = cause.__cause__
    return error


def _refusal_line(error: InstantiationException) -> str:
    """The config node whose constructor refused its arguments (Hydra's ``full_key``), and its reason."""
    while isinstance(error.__cause__, InstantiationException):  # a node nested in another
        error = error.__cause__
    key = next((line[10:] for line in str(error).splitlines() if line.startswith("full_key: ")), "config")
    reason = (str(error.__cause__).strip().splitlines() or [""])[0]
    return f"{key}: {type(error.__cause__).__name__}: {reason}"


def close_experiment_trackers() -> None:
    if "wandb" in sys.modules:
        sys.modules["wandb"].finish()  # otherwise the next job of a sweep would write into this W&B run


def run_recorded(
    context: RunContext, body: Callable[[], dict], interrupted_hint: str | None = None
) -> dict | None:
    """``body()``'s record, with every other end recorded in ``context``: a signal (SIGTERM, SIGINT) as
    ``interrupted`` (the process stops with 128 + signal; ``interrupted_hint`` is the advice on its line),
    an error as ``failed`` (None returned, or the process exits). Used by train, eval and predict alike;
    the run directory's lock is released and experiment trackers closed however it ends."""
    STOPS.install()
    try:
        return body()
    except RunInterrupted as stop:
        context.interrupt(stop, interrupted_hint)
    except KeyboardInterrupt:  # SIGINT outside the main thread's handler
        context.interrupt(RunInterrupted(signal.SIGINT), interrupted_hint)
    except Exception as error:
        context.fail(error)
    except SystemExit as stop:  # a run inside this one (a k-fold's fold) ended the process in one line
        context._finish_quietly(status="failed", error=f"a run inside it exited with status {stop.code}")
        raise
    finally:
        STOPS.restore()
        context.close()
        close_experiment_trackers()
    return None

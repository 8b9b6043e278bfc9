"""The one record per run: ``metrics.json``, written atomically so a reader never sees half a file.

A run writes ``status: running`` first and ``completed``, ``failed`` or ``interrupted`` last, so an
interrupted run never looks finished, and a sweep can skip exactly the jobs that completed. A running
record carries a heartbeat (pid, the process's start stamp, host, last update); ``read_status`` reads a ``running`` record whose
process is gone as ``interrupted``, which is what ``ckpt_path=last``, sweep resume and aggregation see.
"""

import errno
import json
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lightning_utilities.core.rank_zero import rank_zero_only

from dlr.errors import ConfigError

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
    """Write the record; under multi-process DDP only global rank 0 writes.

    On a full disk, where no new file fits, the record is rewritten in the blocks its file already holds:
    a run that fails for lack of space still ends ``failed``, not ``running``.
    """
    path = Path(run_dir) / RECORD_NAME
    if global_rank() != 0:
        return path
    data = json.dumps(record, indent=2, default=_plain, sort_keys=False).encode()
    try:
        replace_file(path, data)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT) or not _overwrite_in_place(path, data):
            raise unwritable(error, path, "paths.output_dir") from None
    return path


def replace_file(path: Path, data: bytes) -> None:
    """Temp file, fsync, rename: a crash or a full disk leaves the previous file whole, never half of one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:  # a signal in the middle, too: no temp file is left behind
        if partial.parent.is_dir():
            partial.unlink(missing_ok=True)
        raise


def unwritable(error: OSError, path: Path, key: str) -> ConfigError:
    """An ``OSError`` (disk full, read-only or missing directory, a file where a directory should be) as one
    line naming the config ``key`` and the path."""
    reason = error.strerror or errno.errorcode.get(error.errno or 0, type(error).__name__)
    return ConfigError(key, f"cannot write {path}: {reason}")


def write_atomically(path: Path, data: bytes, key: str = "paths.output_dir") -> None:
    """:func:`replace_file`, its ``OSError`` told in one line naming ``key``."""
    try:
        replace_file(path, data)
    except OSError as error:
        raise unwritable(error, path, key) from None


def _overwrite_in_place(path: Path, data: bytes) -> bool:
    """Rewrite ``path`` within the blocks it holds, needing no free space; False where it cannot. Not atomic:
    only where the atomic write found no space, as a record left ``running`` would claim a live run."""
    try:
        if not path.is_file() or len(data) > path.stat().st_blocks * 512:
            return False
        with open(path, "r+b") as file:
            file.write(data)
            file.truncate()
            file.flush()
            os.fsync(file.fileno())
        return True
    except OSError:
        return False


# A record on another host cannot be probed by pid: it is taken as dead once its heartbeat is this old.
STALE_AFTER_S = 300.0


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (None when the process is gone); OSError
    where there is no /proc. The name (field 2) may hold spaces and parentheses: split after its last ")"."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return None


def process_started(pid: int) -> int | None:
    """An opaque start stamp of process ``pid`` (None when gone or unknown): with the pid, it names one
    process, as a pid is reused once its process exits. Linux: clock ticks since boot (/proc/<pid>/stat)."""
    try:
        fields = _stat_fields(pid)
    except OSError:  # no /proc (macOS): psutil's creation time, where it is installed
        try:
            import psutil

            return round(psutil.Process(pid).create_time() * 100)
        except Exception:
            return None
    return int(fields[19]) if fields else None


def heartbeat() -> dict:
    """Who is writing this record (pid, its start stamp, host), and when it last did; refreshed while the
    run lives."""
    pid = os.getpid()
    return {
        "pid": pid,
        "started": process_started(pid),
        "host": socket.gethostname(),
        "updated_at": round(time.time(), 3),
    }


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has ended but not been reaped (Linux): a forked worker whose launcher died first
    waits for init to reap it, and still answers ``kill(pid, 0)``."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return False
    return bool(fields) and fields[0] in ("Z", "X")


def process_alive(pid: int, started: int | None = None) -> bool:
    """Whether ``pid`` runs, and, given its recorded start stamp, is still that very process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    if _zombie(pid):
        return False
    return started is None or process_started(pid) in (started, None)


def writer_alive(record: dict) -> bool:
    """A heartbeat from this host is judged by its process; one from another host, by its age."""
    beat = record.get("heartbeat") or {}
    if not beat:  # written before records had a heartbeat: nobody can be writing it any more
        return False
    if beat.get("host") == socket.gethostname():
        return process_alive(int(beat["pid"]), beat.get("started"))
    return time.time() - float(beat.get("updated_at", 0)) < STALE_AFTER_S


def read_status(record: dict | None) -> str:
    """The run's fate: ``completed``, ``failed``, ``interrupted``, ``running`` (alive), or ``not_started``."""
    if record is None:
        return "not_started"
    status = record.get("status", "not_started")
    if status == "running" and not writer_alive(record):
        return "interrupted"
    return status


def read_record(run_dir: str | Path, name: str = RECORD_NAME) -> dict | None:
    path = Path(run_dir) / name
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def job_dirs(sweep_dir: str | Path) -> list[Path]:
    """Job directories: those holding a record or Hydra's saved config, in job-number order."""
    found = {p.parent for p in Path(sweep_dir).rglob(RECORD_NAME)}
    found |= {p.parent.parent for p in Path(sweep_dir).rglob(".hydra/overrides.yaml")}
    found.discard(Path(sweep_dir))
    return sorted(found, key=lambda p: (len(p.parts), int(p.name) if p.name.isdigit() else 10**9, str(p)))


def scalar_metrics(metrics: dict) -> dict[str, float]:
    """Lightning's callback metrics (tensors) as plain floats, sorted by name."""
    return {name: float(_plain(value)) for name, value in sorted(metrics.items())}


#: Where every run's newest epoch-boundary checkpoint lives, relative to its run directory.
LAST_CHECKPOINT = Path("checkpoints") / "last.ckpt"


def last_checkpoint_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / LAST_CHECKPOINT


def optimized_value(metrics: dict[str, float], optimized_metric: str | None = None) -> float | None:
    """The one number a run is judged by: ``optimized_metric`` when given (what ``hparams_search``
    optimizes), else ``test/acc``, else ``test/loss``; what ``train.py`` returns and ``hp_metric`` logs."""
    return metrics.get(optimized_metric or "test/acc", metrics.get("test/loss"))


class LiveRecord:
    """A record a live process keeps fresh: written at once, its heartbeat rewritten every ``every_s``
    seconds by a daemon thread, and final once :meth:`finish` writes it (no beat ever follows the final
    write, nor interleaves with an update). A beat that cannot be written (a full disk) is dropped: the
    final write says why."""

    def __init__(self, write: Callable[[dict], object], record: dict, every_s: float, thread_name: str):
        self.record = {**record, "heartbeat": heartbeat()}
        self._write = write
        self._writing = threading.Lock()
        self._final = threading.Event()
        self.update()
        threading.Thread(target=self._beat, args=(every_s,), daemon=True, name=thread_name).start()

    def update(self, **fields) -> None:
        with self._writing:
            self.record.update(fields)
            self._write(self.record)

    def finish(self, **fields) -> dict:
        self._final.set()
        self.update(**fields, heartbeat=heartbeat())
        return self.record

    def stop(self) -> None:
        self._final.set()

    def _beat(self, every_s: float) -> None:
        while not self._final.wait(every_s):
            beat = heartbeat()
            with self._writing:
                if self._final.is_set():
                    return
                self.record["heartbeat"] = beat
                try:
                    self._write(self.record)
                except (OSError, ConfigError):  # a full disk
                    pass

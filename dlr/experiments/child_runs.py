"""One ordinary run of the single-run flow in a forked child process: what a driver's many runs go through.

The child composes its config, runs :func:`dlr.run.train.train` as a job of a sweep rooted at the driver's
directory (so a failure is recorded, not raised) and writes its own ``metrics.json``. The parent shares no
state with it: no global ``HydraConfig`` or console setting is swapped, and a child that dies (an error, a
memory kill) takes only itself down; the parent then records it as ``failed`` with the exit status. The
parent has imported everything but computed nothing, so the fork is cheap and safe.
"""

import multiprocessing
import signal
from pathlib import Path

import torch

from dlr import console
from dlr.config.compose import compose_config
from dlr.records import read_record, write_record
from dlr.run.train import train
from dlr.studies.hydra_callback import threads_per_job


def _child(overrides: list[str], run_dir: str, root_dir: str, paths: dict[str, str]) -> None:
    sweep = ["hydra.mode=MULTIRUN", f"hydra.sweep.dir={root_dir}"]
    run_cfg = compose_config([*overrides, *sweep], run_dir, **paths)
    # Hydra's job callback applies torch_threads to launched jobs only; without this a forked run keeps the
    # parent's thread count, and two spinning threads per run make it many times slower on a busy machine.
    threads = threads_per_job(run_cfg.get("torch_threads"), None)
    if threads is not None:
        torch.set_num_threads(threads)
    console.console.quiet = True
    record = train(run_cfg)
    raise SystemExit(0 if record is not None and record.get("status") == "completed" else 1)


def exit_reason(exit_code: int) -> str:
    if exit_code < 0:
        name = signal.Signals(-exit_code).name
        hint = " (killed: out of memory?)" if name == "SIGKILL" else ""
        return f"run process died of {name}{hint}"
    return f"run process exited with status {exit_code}"


def run_in_child(overrides: list[str], run_dir: Path, root_dir: Path, paths: dict[str, str]) -> dict:
    """The run's record; a completed earlier record with the same overrides is reused, not run again."""
    earlier = read_record(run_dir)
    if earlier is not None and earlier.get("status") == "completed" and earlier.get("overrides") == overrides:
        return earlier
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(overrides, str(run_dir), str(root_dir), paths)
    )
    child.start()
    child.join()
    record = read_record(run_dir) or {"overrides": overrides, "run_dir": str(run_dir)}
    if record.get("status") not in ("completed", "failed"):  # it died before it could say why
        record.update(status="failed", error=exit_reason(child.exitcode))
        write_record(run_dir, record)
    return record

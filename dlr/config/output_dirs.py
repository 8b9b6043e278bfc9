"""Whether a launch can write where it would: asked before Hydra makes the run or sweep directory.

Hydra creates the directory and writes ``.hydra/`` before any of dlr's code runs, so a log directory under
``/proc``, a file where a directory should be, or a full disk would end in Hydra's traceback. This callback
runs first and answers in one line naming the key to change; there is no record, as there is nowhere to
write one.
"""

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from dlr import console


def _cannot_write(directory: Path) -> str | None:
    """Why ``directory`` cannot be made or written in, or None when it can (made, as Hydra would)."""
    if directory.exists() and not directory.is_dir():
        return f"{directory} is a file, not a directory"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create {directory}: {error.strerror or error}"
    try:
        with tempfile.TemporaryFile(dir=directory) as probe:
            probe.write(b"x")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        return f"cannot write in {directory}: {error.strerror or error}"
    return None


def check_writable(directory: str, log_dir: str, key: str) -> None:
    """Exit with one line when ``directory`` cannot be used; the key is ``paths.log_dir`` when the log
    directory it lies in is at fault."""
    directory, log_dir = Path(directory).absolute(), Path(log_dir).absolute()
    if directory.is_relative_to(log_dir) and (reason := _cannot_write(log_dir)):
        key = "paths.log_dir"
    else:
        reason = _cannot_write(directory)
    if reason is not None:
        console.print_error(f"{key}: {reason}")
        sys.exit(1)


class OutputDirCheck(Callback):
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        check_writable(config.hydra.run.dir, config.paths.log_dir, "paths.output_dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        check_writable(config.hydra.sweep.dir, config.paths.log_dir, "hydra.sweep.dir")

"""What the entry points do before importing torch and Lightning: validate, and answer a bad input at once.

A config error is the most common first run; it should cost Hydra's compose, not the 5-15 s of imports a
run needs. The failed record has the fields a :class:`dlr.run.train.RunContext` record has, so a sweep's summary
and resume read it alike.
"""

import sys
import time

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from dlr import console
from dlr.config.validation import validate_config
from dlr.errors import ConfigError
from dlr.records import write_record


def config_is_valid(cfg: DictConfig, supplied: tuple[str, ...] = ()) -> bool:
    """True for a valid config. Otherwise record the job as failed and print one line; a single run exits 1.

    ``supplied``: mandatory keys that another source fills (dlr.config.validation.check_required)."""
    started = time.time()
    hydra_cfg = HydraConfig.get()
    try:
        validate_config(cfg, hydra_cfg.overrides.task, hydra_cfg.get("launcher"), supplied)
        return True
    except ConfigError as error:
        record = {
            "status": "failed",
            "task_name": cfg.task_name,
            "seed": cfg.get("seed"),
            "overrides": list(hydra_cfg.overrides.task),
            "run_dir": str(cfg.paths.output_dir),
            "error": str(error),
            "wall_time_s": round(time.time() - started, 3),
        }
        try:
            write_record(cfg.paths.output_dir, record)
            unrecorded = ""
        except ConfigError as unwritable:
            unrecorded = f"; its record could not be written ({unwritable})"
        console.print_error(f"{error}{unrecorded}")
        if hydra_cfg.mode != RunMode.MULTIRUN:
            sys.exit(1)
        return False

"""dlr from Python, as a notebook uses it: the same configs, lifecycle and records as ``train.py``.

import dlr
cfg = dlr.compose(["model=cnn", "width=16"])  # what `python train.py model=cnn width=16` would run
record = dlr.train(cfg)                        # its metrics.json, as a dict
task = dlr.load(record["run_dir"])             # the trained task, ready to predict or to transfer
table = dlr.runs("outputs")                    # one row per run record below a directory
"""

import os
import time
from collections.abc import Sequence
from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from dlr.config.compose import CONF_DIR
from dlr.records import last_checkpoint_path, read_record


def compose(overrides: Sequence[str] = (), config_name: str = "train") -> DictConfig:
    """The config a command line with these overrides composes, with Hydra's node (``cfg.hydra``) as a run
    sees it, and a run directory of its own: two runs composed in one second of one kernel never share one."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name, overrides=list(overrides), return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.cwd = os.getcwd()
        cfg.hydra.runtime.output_dir = f"{cfg.paths.log_dir}/runs/{cfg.task_name}/{_unique_name()}"
    return cfg


def _unique_name() -> str:
    return time.strftime("%Y-%m-%d_%H-%M-%S") + f"_{time.time_ns() % 10**9:09d}"


def train(config: DictConfig | Sequence[str] = ()) -> dict:
    """Train a composed config (or compose these overrides first) through the lifecycle ``train.py`` runs:
    the run's record, also when it failed (``record["status"]``, ``record["error"]``); a bad value is one
    printed line, as on the command line, never a kernel that exits."""
    from dlr.experiments import driver_for
    from dlr.run.train import train as train_run

    cfg = config if isinstance(config, DictConfig) else compose(config)
    run_cfg = OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"])
    hydra_config = HydraConfig.instance()
    previous, hydra_config.cfg = hydra_config.cfg, None
    hydra_config.set_config(cfg)  # the run reads its directory, overrides and choices from Hydra's node
    try:
        record = train_run(run_cfg, driver_for(run_cfg))
    except SystemExit:  # the command line's one-line failure: its record says why
        record = None
    finally:
        hydra_config.cfg = previous  # a kernel's later compose or Hydra app starts as before this run
    return record or read_record(cfg.hydra.runtime.output_dir) or {"status": "failed", "run_dir": None}


def load(path: str | Path, map_location: str | None = None):
    """The trained task of a run directory (its ``last.ckpt``) or of a checkpoint file, rebuilt from the
    config the checkpoint stores, in evaluation mode, on ``map_location`` (default: a GPU when one is
    there, else the CPU)."""
    import torch

    from dlr.tasks.base import Task

    path = Path(path).expanduser()
    checkpoint = last_checkpoint_path(path) if path.is_dir() else path
    if map_location is None:
        map_location = "cuda" if torch.cuda.is_available() else "cpu"
    return Task.load_from_checkpoint(checkpoint, map_location=map_location).eval()


def runs(directory: str | Path = "outputs"):
    """One row per run record below ``directory`` (a sweep, or all of ``outputs``): its status, overrides,
    data description and metrics, as a sweep's ``summary.csv`` holds them."""
    from dlr.studies.aggregate import collect

    return collect(directory)


__all__ = ["compose", "load", "runs", "train"]

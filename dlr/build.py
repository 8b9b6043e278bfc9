"""Turning a composed config into objects: datamodule, net, task, callbacks, loggers and trainer."""

import inspect
import logging
import os
import sys
from pathlib import Path

import pytorch_lightning as pl
from hydra.utils import get_class, instantiate
from omegaconf import DictConfig

from dlr import console
from dlr.data.base import TensorDataModule
from dlr.errors import require
from dlr.tasks.base import Task

# Notices Lightning prints at the start of every run that say nothing about it: an advert for its cloud
# logger (dlr's loggers are chosen in `logger=`), and that the summary callback is dlr's own.
_NOISE = ("litlogger", "already configured with model summary callbacks")
logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(
    lambda record: not any(noise in record.getMessage() for noise in _NOISE)
)


def build_datamodule(cfg: DictConfig) -> TensorDataModule:
    datamodule = instantiate(cfg.data, _convert_="all")
    datamodule.setup("fit")
    return datamodule


def build_task(cfg: DictConfig, datamodule: TensorDataModule) -> Task:
    net_class = get_class(cfg.model.net._target_)
    accepted = getattr(net_class, "data_kinds", None)
    require(
        accepted is None or datamodule.data_kind in accepted,
        "model",
        f"model={cfg.model.name} cannot read data={cfg.data.get('name', type(datamodule).__name__)} "
        f"({datamodule.data_kind} data); it accepts {', '.join(accepted or [])}",
    )
    # A net that declares `data_info` gets the data's facts too (data_kind, graph readout, ...), as tasks do.
    facts = (
        {"data_info": datamodule.describe()} if "data_info" in inspect.signature(net_class).parameters else {}
    )
    net = instantiate(
        cfg.model.net,
        input_shape=datamodule.input_shape,
        output_size=datamodule.output_size,
        **facts,
        _convert_="all",
    )
    optimizer = instantiate(cfg.optimizer) if cfg.get("optimizer") else None
    scheduler = instantiate(cfg.scheduler) if cfg.get("scheduler") else None
    return instantiate(
        cfg.model.task,
        net=net,
        optimizer=optimizer,
        scheduler=scheduler,
        data_info=datamodule.describe(),
        _convert_="all",
    )


def _monitors_validation(spec) -> bool:
    return str(spec.get("monitor") or "").startswith("val/")


def build_callbacks(cfg: DictConfig, validation: bool = True) -> list[pl.Callback]:
    """The ``callbacks:`` group; without a validation split (``validation=False``) those that select on
    ``val/*`` are dropped with a notice, since the only other data they could watch is the test split."""
    interactive = sys.stdout.isatty()
    specs = {name: spec for name, spec in (cfg.get("callbacks") or {}).items() if spec}
    if not validation:
        dropped = sorted(name for name, spec in specs.items() if _monitors_validation(spec))
        if dropped:
            console.console.print(
                f"data.val_fraction=0: no validation split, so callbacks monitoring val/* are dropped: "
                f"{', '.join(dropped)}"
            )
        specs = {name: spec for name, spec in specs.items() if name not in dropped}
    return [instantiate(spec) for name, spec in specs.items() if interactive or name != "progress_bar"]


def build_loggers(cfg: DictConfig, run_dir: str, sweep_name: str | None) -> list:
    loggers = []
    for name, spec in (cfg.get("logger") or {}).items():
        if not spec:
            continue
        if name == "wandb":
            # One W&B run per job, named after its directory; the jobs of a sweep share a group.
            spec = {
                **spec,
                "name": spec.get("name") or Path(run_dir).name,
                "group": spec.get("group") or sweep_name,
            }
        loggers.append(instantiate(spec))
    return loggers


def build_trainer(cfg: DictConfig, callbacks: list, loggers: list, **extra) -> pl.Trainer:
    """``extra`` overrides trainer arguments a plugin decides (bitsandbytes: ``plugins``, ``precision``)."""
    interactive = sys.stdout.isatty()
    trainer = instantiate(
        cfg.trainer,
        callbacks=callbacks,
        logger=loggers or False,
        enable_progress_bar=interactive and any(isinstance(c, pl.callbacks.ProgressBar) for c in callbacks),
        enable_model_summary=any(isinstance(c, pl.callbacks.ModelSummary) for c in callbacks),
        enable_checkpointing=any(isinstance(c, pl.callbacks.Checkpoint) for c in callbacks),
        **extra,
    )
    if isinstance(trainer.accelerator, pl.accelerators.CPUAccelerator):
        # Lightning sets this on import to keep CUDA uninitialised before a fork. Without a GPU it makes
        # every torch.cuda.is_available() - called by each optimizer step - dlopen NVML again and fail,
        # which costs more than a small model's step. dlr never forks (DDP and sweeps spawn).
        os.environ.pop("PYTORCH_NVML_BASED_CUDA_CHECK", None)
    return trainer

"""The flow behind ``eval.py``: rebuild the run stored in a checkpoint, load its weights, test, record."""

from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.data.base import TensorDataModule
from dlr.errors import require
from dlr.quant.methods import Quantization
from dlr.quant.precision import accelerator_of
from dlr.records import scalar_metrics
from dlr.run import build
from dlr.run.checkpoints import find as checkpoints
from dlr.run.context import NOTHING_TO_RESUME, RunContext, run_recorded
from dlr.tasks.base import Task
from dlr.tasks.from_config import build_datamodule, rebuild_trained, stored_config
from dlr.transfer.checkpoint_file import load_checkpoint


def training_config(checkpoint: dict, cfg: DictConfig) -> DictConfig:
    """The checkpoint's stored config, with the command's ``overrides`` (eval.py, predict.py) on top."""
    return OmegaConf.merge(stored_config(checkpoint), cfg.overrides or {})


@dataclass
class RebuiltRun:
    """A training run rebuilt from its checkpoint: its config, data (refitted alike) and trained task."""

    ckpt_path: Path
    config: DictConfig
    datamodule: TensorDataModule
    task: Task
    #: The quantization the run trained with: QAT / QLoRA convert the net as training's end did.
    quantization: Quantization


def rebuild_run(cfg: DictConfig, run_dir: str) -> RebuiltRun:
    """Rebuild the run that wrote ``cfg.ckpt_path`` and load its weights (eval.py, predict.py)."""
    ckpt_path = checkpoints.resolve_checkpoint(cfg.ckpt_path, cfg.paths.log_dir, cfg.train_task_name, run_dir)
    checkpoint = load_checkpoint(ckpt_path)
    run_cfg = training_config(checkpoint, cfg)
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build_datamodule(run_cfg)
    task, quantization = rebuild_trained(run_cfg, datamodule, checkpoint, ckpt_path)
    return RebuiltRun(ckpt_path, run_cfg, datamodule, task, quantization)


def evaluate(cfg: DictConfig) -> dict | None:
    context = RunContext(cfg)
    return run_recorded(context, lambda: _evaluate(cfg, context), NOTHING_TO_RESUME)


def _evaluate(cfg: DictConfig, context: RunContext) -> dict:
    run = rebuild_run(cfg, context.run_dir)
    task, datamodule, converter = run.task, run.datamodule, run.quantization.converter
    after_the_fact = instantiate(cfg.quantization, _convert_="all")
    require(
        run.quantization.checkpoint_is_float or not after_the_fact.quantizes(),
        "quantization",
        f"the checkpoint's net was trained with quantization={run.quantization.name}; use none",
    )
    trainer = build.build_trainer(cfg, [], build.build_loggers(cfg, context.run_dir, None))
    if converter is not None:  # QAT / QLoRA: convert as training did, report against the net before
        converter.on_fit_end(trainer, task)
    metrics = scalar_metrics(trainer.test(task, datamodule=datamodule, verbose=False)[0])
    device = accelerator_of(cfg)
    if converter is not None:
        metrics.update(run.quantization.report(trainer, task, datamodule, metrics, context.run_dir, device))
    metrics.update(
        after_the_fact.quantize_after_the_fact(trainer, task, datamodule, metrics, context.run_dir, device)
    )
    metrics.update({k: float(v) for k, v in task.parameter_counts().items()})
    record = context.finish(status="completed", metrics=metrics, checkpoint=str(run.ckpt_path))
    console.print_metrics_table(metrics, context.run_dir)
    return record

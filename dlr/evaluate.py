"""The flow behind ``eval.py``: rebuild the run stored in a checkpoint, load its weights, test, record."""

from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
from omegaconf import DictConfig, OmegaConf

from dlr import build, checkpoints, console
from dlr.data.base import TensorDataModule
from dlr.errors import require
from dlr.interrupts import STOPS, RunInterrupted
from dlr.quant.plan import compare_with_reference, evaluate_quantized, rebuild_trained_quantization
from dlr.quant.precision import accelerator_of
from dlr.records import scalar_metrics
from dlr.run import RunContext, _close_experiment_trackers, validate
from dlr.tasks.base import Task
from dlr.transfer.apply import apply_transfer


def training_config(checkpoint: dict, cfg: DictConfig) -> DictConfig:
    stored = checkpoint.get("dlr_config")
    require(
        stored is not None, "ckpt_path", "checkpoint has no dlr config; was it written by dlr's train.py?"
    )
    return OmegaConf.merge(OmegaConf.create(stored), cfg.get("overrides") or {})


@dataclass
class RebuiltRun:
    """A training run rebuilt from its checkpoint: its config, data (refitted alike) and trained task."""

    ckpt_path: Path
    config: DictConfig
    datamodule: TensorDataModule
    task: Task
    #: QAT / QLoRA: the callback that converts the net as training's end did; None otherwise.
    converter: object | None


def rebuild_run(cfg: DictConfig, run_dir: str) -> RebuiltRun:
    """Rebuild the run that wrote ``cfg.ckpt_path`` and load its weights (eval.py, predict.py)."""
    ckpt_path = checkpoints.resolve_checkpoint(
        cfg.ckpt_path, cfg.paths.log_dir, cfg.get("train_task_name", "train"), run_dir
    )
    checkpoint = checkpoints.load_checkpoint(ckpt_path)
    run_cfg = training_config(checkpoint, cfg)
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build.build_datamodule(run_cfg)
    task = build.build_task(run_cfg, datamodule)
    # Rebuild the trained structure (LoRA wrappers, new heads, QAT's fake-quantized layers, QLoRA's NF4
    # base) without loading any weights but the checkpoint's.
    apply_transfer(task, run_cfg.get("transfer"), load_weights=False)
    converter = rebuild_trained_quantization(run_cfg, task)
    checkpoints.check_fits(task, checkpoint, ckpt_path, f"model={run_cfg.model.name}")
    task.load_state_dict(checkpoint["state_dict"])
    return RebuiltRun(ckpt_path, run_cfg, datamodule, task, converter)


def evaluate(cfg: DictConfig) -> dict | None:
    context = RunContext(cfg)
    STOPS.install()  # SIGTERM, SIGINT: record interrupted, exit 128 + signal, in one line
    try:
        validate(cfg)
        run = rebuild_run(cfg, context.run_dir)
        task, datamodule, converter = run.task, run.datamodule, run.converter
        require(
            converter is None or cfg.quantization.name == "none",
            "quantization",
            f"the checkpoint's net was trained with quantization={run.config.quantization.name}; use none",
        )
        trainer = build.build_trainer(cfg, [], build.build_loggers(cfg, context.run_dir, None))
        if converter is not None:  # QAT / QLoRA: convert as training did, report against the net before
            converter.on_fit_end(trainer, task)
        metrics = scalar_metrics(trainer.test(task, datamodule=datamodule, verbose=False)[0])
        if converter is not None:
            metrics.update(
                compare_with_reference(
                    trainer,
                    task,
                    datamodule,
                    converter,
                    run.config.quantization.name,
                    accelerator_of(cfg),
                    metrics,
                    context.run_dir,
                )
            )
        metrics.update(evaluate_quantized(cfg, trainer, task, datamodule, metrics, context.run_dir))
        metrics.update({k: float(v) for k, v in task.parameter_counts().items()})
        record = context.finish(status="completed", metrics=metrics, checkpoint=str(run.ckpt_path))
        console.print_metrics_table(metrics, context.run_dir)
        return record
    except RunInterrupted as stop:
        context.interrupt(stop, hint="nothing was written as finished; run the same command again")
    except Exception as error:
        context.fail(error)
        return None
    finally:
        STOPS.restore()
        context.close()
        _close_experiment_trackers()

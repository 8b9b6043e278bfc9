"""Turning a composed config into objects: datamodule, net, task, callbacks, loggers and trainer."""

import logging
import sys
import warnings
from pathlib import Path

import pytorch_lightning as pl
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from omegaconf import DictConfig
from pytorch_lightning.loggers import TensorBoardLogger, WandbLogger

from dlr import console
from dlr.data.base import TensorDataModule
from dlr.patches.lightning_internals import skip_nvml_cuda_check
from dlr.quant.plan import QuantPlan
from dlr.records import optimized_value
from dlr.run.callbacks.pictures import PicturesToLoggers
from dlr.run.loggers import wandb_mode
from dlr.tasks.from_config import build_net
from dlr.transforms import NetTransform

# Notices Lightning prints in every run that say nothing about it: an advert for its cloud logger (dlr's
# loggers are chosen in `logger=`), that the summary callback is dlr's own, which accelerators exist (the
# trainer config says which one runs), and that the fit reached max_epochs (it was asked to; the line
# would also land glued to the progress bar).
_NOISE = (
    "litlogger",
    "already configured with model summary callbacks",
    "GPU available:",
    "TPU available:",
    "HPU available:",
    "`Trainer.fit` stopped:",
)
logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(
    lambda record: not any(noise in record.getMessage() for noise in _NOISE)
)
# Lightning's own pytree helper calls a torch API that torch deprecates; nothing a user can act on.
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)` is deprecated")


def transform_net(
    cfg: DictConfig, datamodule: TensorDataModule, quant_plan: QuantPlan, run_dir: str
) -> NetTransform:
    """The built net through ``transfer`` (load, freeze, LoRA, ...), then ``quantization`` (QAT, QLoRA, ...)."""
    transferred = instantiate(cfg.transfer, _convert_="all").apply(build_net(cfg, datamodule), run_dir)
    return transferred.then(quant_plan.transform(transferred.net, datamodule))


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


def job_name(cfg: DictConfig, run_dir: str) -> str:
    """A job by what makes it differ: its command-line overrides (``width=64,seed=1``), else its directory."""
    # The stacked launcher's workers build a member's loggers outside a Hydra job: no overrides there.
    overrides = list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []
    fold = (cfg.get("cv") or {}).get("fold")
    if fold is not None and not any(o.startswith("cv.fold=") for o in overrides):
        overrides.append(f"cv.fold={fold}")
    return ",".join(overrides) or Path(run_dir).name


def build_loggers(
    cfg: DictConfig, run_dir: str, sweep_name: str | None, resumed_wandb_id: str | None = None
) -> list:
    """The ``logger:`` group; ``resumed_wandb_id`` is the W&B run of the checkpoint a resumed run loads."""
    loggers = []
    for name, spec in (cfg.get("logger") or {}).items():
        if not spec:
            continue
        if name == "wandb":
            # One W&B run per job, named after its overrides; a sweep's jobs share a group; a resumed
            # run continues its W&B run; no 30-line summary printed when a run finishes.
            run_id = spec.get("id") or resumed_wandb_id
            spec = {
                **spec,
                **wandb_mode.logger_options(spec),  # online when logged in, else offline; one line says which
                "name": spec.get("name") or job_name(cfg, run_dir),
                "group": spec.get("group") or sweep_name,
                "settings": spec.get("settings") or {"quiet": True},
                **({"id": run_id, "resume": "allow"} if run_id else {}),
            }
        loggers.append(instantiate(spec))
    return loggers


def log_final_metrics(
    loggers: list, config: dict, metrics: dict[str, float], optimized_metric: str | None = None
) -> None:
    """Final values go where a reader looks for them, and nowhere on a curve: TensorBoard's HParams tab
    (``hp_metric``, the value a search optimizes) and the W&B run's summary."""
    headline = optimized_value(metrics, optimized_metric)
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger) and headline is not None:
            logger.log_hyperparams(config, metrics={"hp_metric": headline})
        elif isinstance(logger, WandbLogger):
            logger.experiment.summary.update(metrics)
        logger.finalize("success")  # what a logger holds back (dlr.run.loggers.once_per_step) is written


def build_trainer(cfg: DictConfig, callbacks: list, loggers: list, **extra) -> pl.Trainer:
    """``extra`` overrides trainer arguments the run decides (no validation, a transform's ``trainer_kwargs``)."""
    interactive = sys.stdout.isatty()
    if any(isinstance(logger, TensorBoardLogger | WandbLogger) for logger in loggers):
        callbacks = [*callbacks, PicturesToLoggers(cfg.paths.output_dir)]
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
        skip_nvml_cuda_check()
    return trainer

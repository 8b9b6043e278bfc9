"""Turning a composed config into objects: datamodule, net, task, callbacks, loggers and trainer."""

import logging
import sys
import warnings
from pathlib import Path

import pytorch_lightning as pl
from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_class, instantiate
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.loggers import TensorBoardLogger, WandbLogger
from torch import nn

from dlr import console
from dlr.data.base import TensorDataModule
from dlr.errors import require
from dlr.patches.lightning_internals import skip_nvml_cuda_check
from dlr.quant.plan import QuantPlan
from dlr.quant.precision import with_eps
from dlr.run.callbacks.pictures import PicturesToLoggers
from dlr.run.checkpoints.find import resolve_checkpoint
from dlr.run.loggers import wandb_mode
from dlr.tasks.base import Task
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


def build_datamodule(cfg: DictConfig) -> TensorDataModule:
    cv = cfg.get("cv") or {}
    # Only a run of one fold tells its datamodule; every other run builds it exactly as before cv existed.
    fold = {"cv_folds": cv.folds, "cv_fold": cv.fold} if cv.get("fold") is not None else {}
    datamodule = instantiate(cfg.data, **fold, _convert_="all")
    datamodule.setup("fit")
    return datamodule


def build_net(cfg: DictConfig, datamodule: TensorDataModule, **options) -> nn.Module:
    """Every net is built the same way (docs/adding_a_model.md): ``Net(input_shape, output_size, <its
    options from model.net>, *, data_info)``; ``options`` override model.net's (a script sweeping width)."""
    net_class = get_class(cfg.model.net._target_)
    accepted = getattr(net_class, "data_kinds", None)
    require(
        accepted is None or datamodule.data_kind in accepted,
        "model",
        f"model={cfg.model.name} cannot read data={cfg.data.get('name', type(datamodule).__name__)} "
        f"({datamodule.data_kind} data); it accepts {', '.join(accepted or [])}",
    )
    return instantiate(
        cfg.model.net,
        input_shape=datamodule.input_shape,
        output_size=datamodule.output_size,
        data_info=datamodule.describe(),
        **options,
        _convert_="all",
    )


def transform_net(
    cfg: DictConfig, datamodule: TensorDataModule, quant_plan: QuantPlan, run_dir: str
) -> NetTransform:
    """The built net through ``transfer`` (load, freeze, LoRA, ...), then ``quantization`` (QAT, QLoRA, ...)."""
    transferred = instantiate(cfg.transfer, _convert_="all").apply(build_net(cfg, datamodule), run_dir)
    return transferred.then(quant_plan.transform(transferred.net, datamodule))


def build_task(
    cfg: DictConfig,
    datamodule: TensorDataModule,
    transformed: NetTransform | None = None,
    group_steps: str = "off",
) -> Task:
    """The task, built once with everything it needs: the net as ``transformed`` left it (the plain built
    net without one), the optimizer, the run's resolved config, and how it steps in a batch group."""
    transformed = transformed or NetTransform(build_net(cfg, datamodule))
    optimizer = instantiate(cfg.optimizer) if cfg.get("optimizer") else None
    scheduler = instantiate(cfg.scheduler) if cfg.get("scheduler") else None
    # The task's arguments are live objects and the config itself, which Hydra must not instantiate again.
    make_task = instantiate(cfg.model.task, _partial_=True, _convert_="all")
    return make_task(
        net=transformed.net,
        optimizer=with_eps(optimizer, cfg.precision.optimizer_eps),
        scheduler=scheduler,
        data_info=datamodule.describe(),
        run_config=OmegaConf.to_container(cfg, resolve=True),
        lr_multipliers=transformed.lr_multipliers,
        optimize_frozen=transformed.optimize_frozen,
        group_steps=group_steps,
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


def job_name(cfg: DictConfig, run_dir: str) -> str:
    """A job by what makes it differ: its command-line overrides (``width=64,seed=1``), else its directory."""
    # The stacked launcher's workers build a member's loggers outside a Hydra job: no overrides there.
    overrides = list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []
    fold = (cfg.get("cv") or {}).get("fold")
    if fold is not None and not any(o.startswith("cv.fold=") for o in overrides):
        overrides.append(f"cv.fold={fold}")
    return ",".join(overrides) or Path(run_dir).name


def resumed_wandb_id(cfg: DictConfig, run_dir: str) -> str | None:
    """The W&B run id of the run a ``ckpt_path`` resumes, so a resumed run continues its W&B run."""
    if cfg.get("ckpt_path") is None:
        return None
    checkpoint = resolve_checkpoint(cfg.ckpt_path, cfg.paths.log_dir, cfg.task_name, run_dir)
    # W&B names each run's directory <mode>-run-<time>-<id>.
    earlier = sorted((checkpoint.parent.parent / "wandb").glob("*run-*-*"))
    return earlier[-1].name.rsplit("-", 1)[1] if earlier else None


def build_loggers(cfg: DictConfig, run_dir: str, sweep_name: str | None) -> list:
    loggers = []
    for name, spec in (cfg.get("logger") or {}).items():
        if not spec:
            continue
        if name == "wandb":
            # One W&B run per job, named after its overrides; a sweep's jobs share a group; a resumed
            # run continues its W&B run; no 30-line summary printed when a run finishes.
            run_id = spec.get("id") or resumed_wandb_id(cfg, run_dir)
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


def log_final_metrics(loggers: list, config: dict, metrics: dict[str, float]) -> None:
    """TensorBoard's HParams tab pairs a run's hyperparameters with its final metrics (``hp_metric``)."""
    headline = metrics.get("test/acc", metrics.get("test/loss"))  # what train.py returns to a search
    final = {**metrics, **({"hp_metric": headline} if headline is not None else {})}
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.log_hyperparams(config, metrics=final)


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

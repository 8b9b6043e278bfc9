"""Which sweep jobs train together: a group of jobs whose overrides differ only in stackable keys trains
stacked when :func:`stack_blockers` finds no reason against it, in width buckets
(:mod:`dlr.experiments.stacked.buckets`). Any other job, whatever its config, runs as an ordinary job.
"""

import copy
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.errors import ConfigError
from dlr.experiments.stacked.buckets import padding_share, plan_buckets
from dlr.experiments.stacked.compose import STACKABLE_KEYS
from dlr.experiments.stacked.nets import STACKED_PATHS

ELEMENTWISE_OPTIMIZERS = ("torch.optim.SGD", "torch.optim.Adam", "torch.optim.AdamW")
#: Callbacks that do not change training; a stacked member writes its own last.ckpt.
NEUTRAL_CALLBACKS = ("model_checkpoint", "last_checkpoint", "model_summary", "progress_bar")
#: What a job's data or net raises when its config does not build: the job's own flow reports it.
BUILD_ERRORS = (ConfigError, InstantiationException, ValueError)


@dataclass
class WorkUnit:
    """What one worker runs at once: a bucket of jobs trained as one stack, or one job run as an ordinary job."""

    jobs: list[DictConfig]  # composed job configs
    stacked: bool = False
    #: The whole training's estimated FLOPs; unknown for an ordinary job, which therefore starts first.
    cost: float = math.inf


def group_key(overrides: Sequence[str]) -> tuple[str, ...]:
    """The job's overrides other than the stackable ones: jobs with equal keys can stack."""
    return tuple(sorted(o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in STACKABLE_KEYS))


def trained_epochs(cfg: DictConfig) -> int:
    """The epochs a job trains: none with ``train=false``."""
    return cfg.trainer.max_epochs if cfg.get("train", True) else 0


def stack_blockers(cfg: DictConfig) -> list[str]:
    """Reasons why the jobs of this config cannot train stacked; empty when they can.

    Any config: a key it lacks reads as unset, and one with no stacked net gets that one reason.
    """
    get = functools.partial(OmegaConf.select, cfg)
    if get("model.net._target_") not in STACKED_PATHS:
        stacked_names = ", ".join(path.name for path in STACKED_PATHS.values())
        return [f"model={get('model.name')} has no stacked path (stacked: {stacked_names})"]
    epochs, val_batches = get("trainer.max_epochs"), get("trainer.limit_val_batches")
    checks = {
        "model.net.dropout > 0 draws random numbers a stack would share": get("model.net.dropout")
        not in (None, 0),
        "model.net.norm normalizes over the batch of one member": get("model.net.norm") is not None,
        "model.task is not dlr.tasks.supervised.SupervisedTask": get("model.task._target_")
        != "dlr.tasks.supervised.SupervisedTask",
        "model.task.loss is not cross-entropy": get("model.task.loss", default="auto")
        not in ("auto", "cross_entropy"),
        "optimizer is not SGD, Adam or AdamW": get("optimizer._target_") not in ELEMENTWISE_OPTIMIZERS,
        "scheduler is not none": bool(get("scheduler")),
        "augment is not none": get("augment.name", default="none") != "none",
        "data.streaming is true (a stack slices in-memory tensors)": get("data.streaming") is True,
        "transfer is not none": get("transfer.name", default="none") != "none",
        "quantization is not none": get("quantization.name", default="none") != "none",
        "trainer.precision is not 32-true": str(get("trainer.precision")) != "32-true",
        "trainer.devices is not 1": get("trainer.devices", default=1) != 1,
        "ckpt_path resumes a checkpoint": get("ckpt_path") is not None,
        "callbacks change training": any(
            spec and name not in NEUTRAL_CALLBACKS for name, spec in (get("callbacks") or {}).items()
        ),
        "trainer.max_epochs is not a count of epochs (Lightning's own loop reads None and -1)": not (
            isinstance(epochs, int) and epochs > 0
        ),
        "trainer counts or limits steps": bool(get("trainer.gradient_clip_val"))
        or get("trainer.accumulate_grad_batches", default=1) != 1
        or get("trainer.max_steps", default=-1) != -1
        or bool(get("trainer.fast_dev_run"))
        or bool(get("trainer.overfit_batches"))
        or get("trainer.limit_train_batches") not in (None, 1.0)
        or get("trainer.limit_test_batches") not in (None, 1.0)
        or val_batches not in (None, 0, 1.0)
        or (val_batches != 0 and get("trainer.check_val_every_n_epoch", default=1) != 1),
        "the run is a driver (tabular benchmark, transfer study, k-fold) or an estimator": bool(
            get("tabular_benchmark")
            or get("transfer_study")
            or get("model.estimator")
            or (get("cv.folds") and get("cv.fold") is None)
        ),
    }
    return [reason for reason, blocked in checks.items() if blocked]


def plan_units(jobs: list[DictConfig], workers: int) -> list[WorkUnit]:
    """The sweep's jobs as work units, the costliest first: a free worker takes the next (even work)."""
    groups: dict[tuple, list[DictConfig]] = {}
    for job in jobs:
        groups.setdefault(group_key(job.hydra.overrides.task), []).append(job)
    units = [unit for group in groups.values() for unit in _group_units(group, workers)]
    return sorted(units, key=lambda unit: -unit.cost)


def _group_units(group: list[DictConfig], workers: int) -> list[WorkUnit]:
    first = group[0]
    reasons = stack_blockers(first)
    if not reasons:
        try:
            flops_of_width, steps_per_epoch = _measure(copy.deepcopy(first))  # the job keeps its own config
        except BUILD_ERRORS:
            reasons = ["its data does not build (each job records why)"]
    if reasons:
        console.console.print(
            f"launcher=stacked: {len(group)} job(s) run as ordinary jobs, not stacked: {'; '.join(reasons)}",
            soft_wrap=True,
        )
        return [WorkUnit([job]) for job in group]
    # A net that does not build: the ordinary flow refuses it with its own message, and records the job failed.
    units = [WorkUnit([job]) for job in group if not _builds(flops_of_width, job.width)]
    stackable = [job for job in group if _builds(flops_of_width, job.width)]
    if not stackable:
        return units
    widths, pads = [int(job.width) for job in stackable], STACKED_PATHS[first.model.net._target_].pads
    buckets = plan_buckets(widths, flops_of_width, int(first.data.batch_size), workers, pads)
    console.console.print(
        f"launcher=stacked: {len(group)} jobs in {len(buckets)} buckets (widths "
        f"{', '.join(_span(bucket.widths) for bucket in sorted(buckets, key=lambda b: b.widths))}); "
        f"padding is {100 * padding_share(buckets):.1f}% of their FLOPs",
        soft_wrap=True,
    )
    # A bucket's whole cost: groups may differ in epochs and data, and units are ordered by it.
    steps = steps_per_epoch * trained_epochs(first)
    return units + [
        WorkUnit([stackable[job] for job in bucket.jobs], stacked=True, cost=bucket.cost * steps)
        for bucket in buckets
    ]


def _builds(flops_of_width: Callable[[int], int], width) -> bool:
    try:
        flops_of_width(int(width))
    except BUILD_ERRORS:
        return False
    return True


def _span(widths: list[int]) -> str:
    return f"{min(widths)}-{max(widths)}" if min(widths) < max(widths) else str(widths[0])


def _measure(job: DictConfig) -> tuple[Callable[[int], int], int]:
    """One member's FLOPs per sample at each width, measured on its net, and its training steps per epoch."""
    from dlr.tasks import (
        from_config,  # Lightning: imported by the sweeps that stack, not by those of other apps
    )

    previous = HydraConfig.instance().cfg
    HydraConfig.instance().set_config(job)  # the data config's paths interpolate hydra:runtime
    try:
        datamodule = from_config.build_datamodule(job)
    finally:
        HydraConfig.instance().cfg = previous

    @functools.cache
    def flops_of_width(width: int) -> int:
        net = from_config.build_net(job, datamodule, width=width)
        return STACKED_PATHS[job.model.net._target_].flops(net, tuple(datamodule.input_shape))

    return flops_of_width, math.ceil(len(datamodule.train.x) / datamodule.batch_size)

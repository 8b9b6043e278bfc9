"""A stacked bucket's jobs: each builds its member in its own Hydra job (:func:`~dlr.experiments.stacked.
members.prepare_member` is its task), then all train as one stack (:mod:`dlr.experiments.stacked.train`) and
each member is recorded as its solo run would be."""

import functools
from collections.abc import Callable

import torch
from hydra.core.utils import JobReturn
from hydra.types import TaskFunction
from omegaconf import DictConfig

from dlr import console
from dlr.device import accelerator_type
from dlr.experiments.stacked.members import Member, finish_member, prepare_member
from dlr.experiments.stacked.plan import trained_epochs
from dlr.experiments.stacked.train import train_bucket
from dlr.run.train import job_value


def run_bucket(
    jobs: list[DictConfig], run_job: Callable[[DictConfig, TaskFunction], JobReturn]
) -> list[JobReturn]:
    """The jobs' returns, each with its member's optimized value (``run_job`` runs a job with a task)."""
    members: list[Member] = []
    returns = [run_job(job, functools.partial(prepare_member, members)) for job in jobs]
    if members:  # none when all completed before, or failed to build
        _train_and_record(members, returns)
    return returns


def _train_and_record(members: list[Member], returns: list[JobReturn]) -> None:
    """Train the bucket's members as one stack, record each as its own run, its value in its job's return."""
    cfg, epochs = members[0].cfg, trained_epochs(members[0].cfg)
    try:
        result = train_bucket(
            [m.task for m in members],
            [m.datamodule for m in members],
            epochs=epochs,
            validate=epochs > 0 and cfg.trainer.get("limit_val_batches") != 0,  # as a solo run does
            device=torch.device(accelerator_type(cfg.trainer.accelerator)),  # the solo run's
        )
    except Exception as error:  # the bucket's members fail; the sweep's other buckets go on
        for member in members:
            member.context.fail(error)
            member.context.close()
        return
    details = {
        "members": len(members),
        "widths": sorted({int(m.cfg.width) for m in members}),
        "padding_share": round(result.padding_share, 4),
        "steps": result.steps,
        "fit_s": round(result.fit_s, 3),
    }
    console.console.print(
        f"stacked bucket of {len(members)} members, widths {details['widths']}: "
        f"{result.fit_s:.1f} s, padding {100 * result.padding_share:.1f}% of its FLOPs",
        soft_wrap=True,
    )
    by_dir = {str(ret.hydra_cfg.hydra.runtime.output_dir): ret for ret in returns}
    for member, metrics, error, state in zip(
        members, result.metrics, result.errors, result.optimizer_states, strict=True
    ):
        record = finish_member(member, metrics, error, state, dict(details))
        by_dir[member.context.run_dir].return_value = job_value(member.cfg, record)

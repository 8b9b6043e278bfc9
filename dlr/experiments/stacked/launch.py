"""``launcher=stacked``: a sweep's jobs grouped, bucketed and trained as stacked models in worker processes.

The Hydra launcher plugin (``hydra_plugins/dlr_stacked_launcher``) hands :func:`launch` the sweep's jobs.
Each job still goes through Hydra's ``run_job`` (its directory, ``.hydra/`` files, job callbacks), but the
task it runs only builds the member (:mod:`dlr.experiments.stacked.members`); the bucket then trains all
its members at once (:mod:`dlr.experiments.stacked.train`). Jobs that cannot stack run the normal flow
(as separate jobs over the same worker processes), and the launcher says why in one line.
"""

import ctypes
import functools
import math
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import torch
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, run_job, setup_globals
from hydra.errors import InstantiationException
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

from dlr import console
from dlr.errors import ConfigError
from dlr.experiments.stacked.members import Member, finish_member, optimized_value, prepare_member
from dlr.experiments.stacked.nets import STACKED_PATHS
from dlr.experiments.stacked.plan import group_key, padding_share, plan_buckets, stack_blockers
from dlr.experiments.stacked.train import train_bucket
from dlr.run import build

#: prctl's request for a signal when the parent process ends (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: The sweep's Hydra context and task function, set before the workers fork: they inherit them as they are.
_sweep: tuple[HydraContext, TaskFunction] | None = None


def start_workers(hydra_context: HydraContext, task_function: TaskFunction, n_jobs: int):
    """Fork the sweep's ``n_jobs`` worker processes now (None for 1: the buckets train in this process).

    Called by the launcher's ``setup``, while this process has imported torch and Lightning but computed
    nothing: a forked worker starts in milliseconds, where a spawned one imports them again (about 4 s of
    a sweep's 12 s start-up on 2 cores). Later would be unsafe: GNU OpenMP's thread pool does not survive
    a fork (the child's first parallel region waits forever), nor does an initialised CUDA context.
    """
    global _sweep
    _sweep = (hydra_context, task_function)
    if n_jobs <= 1:
        return None
    workers = ProcessPoolExecutor(
        n_jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_end_with_launcher,
        initargs=(os.getpid(),),
    )
    workers.submit(int)  # a fork context's pool forks all its workers at the first submit
    return workers


def _end_with_launcher(launcher_pid: int) -> None:
    """A worker's first act: ask Linux for SIGTERM when the launching process ends, however it ends.

    A signal to the launcher alone (``kill <pid>``, the OOM killer's SIGKILL) would otherwise leave its
    workers training as orphans, writing into the runs that a rerun of the sweep resumes. With SIGTERM a
    worker ends as under a signal to the whole process group: its members are left ``running`` with a
    dead writer, which reads as ``interrupted``. Elsewhere than Linux there is no such request.
    """
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != launcher_pid:  # the launcher ended before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def _job_config(hydra_context: HydraContext, config: DictConfig, index: int, overrides: list[str]):
    sweep_config = hydra_context.config_loader.load_sweep_config(config, overrides)
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = index
        sweep_config.hydra.job.num = index
    return sweep_config


def _run(hydra_context, task_function, job_config: DictConfig) -> JobReturn:
    return run_job(
        hydra_context=hydra_context,
        task_function=task_function,
        config=job_config,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )


def device_of(accelerator: str) -> torch.device:
    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu" if accelerator == "auto" else accelerator)


def run_unit(kind: str, job_configs: list[DictConfig]) -> list[JobReturn]:
    """One work unit in a worker process: a single job through the normal flow, or a bucket trained stacked.

    ``job_configs`` are the unit's composed job configs: a worker composes nothing. Hydra's singletons
    (config store, resolvers) came with the fork; ``run_job`` sets each job's own HydraConfig.
    """
    hydra_context, task_function = _sweep
    setup_globals()
    if kind == "single":
        return [_run(hydra_context, task_function, job_config) for job_config in job_configs]
    members: list[Member] = []
    prepare = functools.partial(prepare_member, members)
    returns = [_run(hydra_context, prepare, job_config) for job_config in job_configs]
    if not members:  # all completed before, or failed to build
        return returns
    cfg = members[0].cfg
    try:
        result = train_bucket(
            [m.task for m in members],
            [m.datamodule for m in members],
            epochs=_epochs(cfg),
            validate=_epochs(cfg) > 0 and cfg.trainer.get("limit_val_batches") != 0,  # as a solo run does
            device=device_of(str(cfg.trainer.accelerator)),
        )
    except Exception as error:  # the bucket's members fail; the sweep's other buckets go on
        for member in members:
            member.context.fail(error)
        return returns
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
        by_dir[member.context.run_dir].return_value = optimized_value(member.cfg, record)
    return returns


def _plan(hydra_context, config, jobs: list[tuple[int, list[str]]], workers: int) -> list[tuple]:
    """Work units: ("stacked", bucket jobs, widths, cost) per bucket, ("single", [job], ...) otherwise."""
    groups: dict[tuple, list[tuple[int, list[str]]]] = {}
    for job in jobs:
        groups.setdefault(group_key(job[1]), []).append(job)
    units = []
    for members in groups.values():
        # Composing a job costs Hydra about as much as a small member's training: one per group here.
        first = _job_config(hydra_context, config, *members[0])
        reasons = stack_blockers(first)
        if reasons:
            console.console.print(
                f"launcher=stacked: {len(members)} job(s) run as ordinary jobs, not stacked: {'; '.join(reasons)}",
                soft_wrap=True,
            )
            units += [("single", [job], [], math.inf) for job in members]
            continue
        try:
            flops_of_width, steps_per_epoch = _measure(first)
        except (ConfigError, InstantiationException):  # no data (a missing file): each job fails on its own
            units += [("single", [job], [], math.inf) for job in members]
            continue

        stackable = []
        for index, overrides in members:
            width = _width(hydra_context, config, index, overrides)
            if _builds(flops_of_width, width):
                stackable.append((index, overrides, width))
            else:  # the ordinary flow refuses it with its own message, and records the job failed alone
                units.append(("single", [(index, overrides)], [], math.inf))
        if not stackable:
            continue
        batch_size = int(first.data.batch_size)
        pads = STACKED_PATHS[first.model.net._target_].pads
        buckets = plan_buckets(stackable, flops_of_width, batch_size, workers, pads)
        console.console.print(
            f"launcher=stacked: {len(members)} jobs in {len(buckets)} buckets (widths "
            f"{', '.join(_span(bucket.widths) for bucket in sorted(buckets, key=lambda b: b.widths))}); "
            f"padding is {100 * padding_share(buckets):.1f}% of their FLOPs",
            soft_wrap=True,
        )
        # A bucket's whole cost: groups may differ in epochs and data, and a unit's order is by it.
        steps = steps_per_epoch * _epochs(first)
        units += [("stacked", bucket.jobs, bucket.widths, bucket.cost * steps) for bucket in buckets]
    return sorted(units, key=lambda unit: -unit[3])  # the longest first: even work over the workers


def _epochs(cfg: DictConfig) -> int:
    """The epochs a job trains: none with ``train=false``."""
    return cfg.trainer.max_epochs if cfg.get("train", True) else 0


def _width(hydra_context, config, index: int, overrides: list[str]) -> int:
    """The job's width: from its `width=` override, else from its composed config."""
    given = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0] == "width"]
    if given and given[-1].isdigit():
        return int(given[-1])
    return int(_job_config(hydra_context, config, index, overrides).width)


def _builds(flops_of_width: Callable[[int], int], width: int) -> bool:
    try:
        flops_of_width(width)
    except (ConfigError, InstantiationException):
        return False
    return True


def _span(widths: list[int]) -> str:
    return f"{min(widths)}-{max(widths)}" if min(widths) < max(widths) else str(widths[0])


def _measure(sweep_config: DictConfig) -> tuple[Callable[[int], int], int]:
    """One member's FLOPs per sample at each width, measured on its net, and its training steps per epoch."""
    previous = HydraConfig.instance().cfg
    HydraConfig.instance().set_config(sweep_config)  # the data config's paths interpolate hydra:runtime
    try:
        datamodule = build.build_datamodule(sweep_config)
    finally:
        HydraConfig.instance().cfg = previous

    @functools.cache
    def flops_of_width(width: int) -> int:
        net = build.build_net(sweep_config, datamodule, width=width)
        return STACKED_PATHS[sweep_config.model.net._target_].flops(net, tuple(datamodule.input_shape))

    return flops_of_width, math.ceil(len(datamodule.train.x) / datamodule.batch_size)


def launch(
    hydra_context: HydraContext,
    config: DictConfig,
    job_overrides: Sequence[Sequence[str]],
    initial_job_idx: int,
    n_jobs: int,
    workers: ProcessPoolExecutor | None,
) -> list[JobReturn]:
    jobs = [(initial_job_idx + i, list(overrides)) for i, overrides in enumerate(job_overrides)]
    units = _plan(hydra_context, config, jobs, n_jobs)
    work = [
        (kind, [_job_config(hydra_context, config, *job) for job in unit_jobs])
        for kind, unit_jobs, *_ in units
    ]
    if workers is None:  # in this process, one unit after another
        results = [run_unit(kind, job_configs) for kind, job_configs in work]
    else:  # the longest first: a free worker takes the next longest (even work)
        futures = [workers.submit(run_unit, kind, job_configs) for kind, job_configs in work]
        results = [future.result() for future in futures]
    returns = [ret for unit_returns in results for ret in unit_returns]
    order = {index: position for position, (index, _) in enumerate(jobs)}
    return sorted(returns, key=lambda ret: order[int(ret.hydra_cfg.hydra.job.num)])

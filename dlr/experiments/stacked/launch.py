"""``launcher=stacked``: the sweep's work units (:mod:`dlr.experiments.stacked.plan`) in worker processes.

The Hydra launcher plugin (``hydra_plugins/dlr_stacked_launcher``) composes the sweep's jobs and hands them
to :func:`launch_jobs`. Every job goes through Hydra's ``run_job`` (its directory, ``.hydra/`` files, job
callbacks): a job that cannot stack runs the sweep's task function there, as any launcher runs it, and a
stacked bucket's jobs build their members there (:mod:`dlr.experiments.stacked.bucket_jobs`).
"""

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

from hydra.core.utils import JobReturn, run_job, setup_globals
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from dlr.experiments.stacked.plan import WorkUnit, plan_units

#: prctl's request for a signal when the parent process ends (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: The sweep's Hydra context and task function, set before the workers fork: they inherit them as they are.
_sweep: tuple[HydraContext, TaskFunction] | None = None


def start_workers(hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig, n_jobs: int):
    """Fork the sweep's ``n_jobs`` worker processes now (None for 1: the buckets train in this process).

    Called by the launcher's ``setup``. A sweep of dlr's config imports torch and Lightning first, and
    computes nothing before the fork: a forked worker starts in milliseconds, where a spawned one imports
    them again (about 4 s of a sweep's 12 s start-up on 2 cores). Later would be unsafe: GNU OpenMP's thread
    pool does not survive a fork (the child's first parallel region waits forever), nor does an initialised
    CUDA context. A sweep of another app's config imports none of them.
    """
    global _sweep
    _sweep = (hydra_context, task_function)
    if n_jobs <= 1:
        return None
    if OmegaConf.select(config, "model") is not None:  # dlr's config: its jobs import torch and Lightning
        import dlr.experiments.stacked.bucket_jobs  # noqa: F401  (the workers inherit them)
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


def launch_jobs(jobs: list[DictConfig], n_jobs: int, workers: ProcessPoolExecutor | None) -> list[JobReturn]:
    """Run the composed jobs' units, the costliest first (in this process, or a free worker takes the next);
    their returns in the jobs' order."""
    units = plan_units(jobs, n_jobs)
    done = map(run_unit, units) if workers is None else workers.map(run_unit, units)
    return sorted((ret for returns in done for ret in returns), key=lambda ret: ret.hydra_cfg.hydra.job.num)


def run_unit(unit: WorkUnit) -> list[JobReturn]:
    """One work unit, in a worker process: a worker composes nothing. Hydra's singletons (config store,
    resolvers) came with the fork; ``run_job`` sets each job's own HydraConfig."""
    _, task_function = _sweep
    setup_globals()
    if not unit.stacked:
        return [_run_job(job, task_function) for job in unit.jobs]
    from dlr.experiments.stacked.bucket_jobs import run_bucket  # torch, Lightning: only a sweep that stacks

    return run_bucket(unit.jobs, _run_job)


def _run_job(job: DictConfig, task_function: TaskFunction) -> JobReturn:
    return run_job(
        hydra_context=_sweep[0],
        task_function=task_function,
        config=job,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )

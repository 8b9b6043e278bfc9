"""The Launcher interface Hydra calls; the work is in dlr.experiments.stacked.launch."""

from collections.abc import Sequence
from pathlib import Path

from hydra.core.utils import JobReturn, configure_log, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class StackedLauncher(Launcher):
    def __init__(self, n_jobs: int = 2) -> None:
        self.n_jobs = n_jobs
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None
        self.workers = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config = config
        self.task_function = task_function
        self.hydra_context = hydra_context
        from dlr.experiments.stacked.compose import compose_once
        from dlr.experiments.stacked.launch import start_workers

        compose_once(hydra_context)  # before the sweeper composes every job to check it
        self.workers = start_workers(hydra_context, task_function, max(self.n_jobs, 1))

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from dlr.experiments.stacked.launch import launch  # dlr (torch, Lightning) only when a sweep runs

        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        return launch(
            self.hydra_context, self.config, job_overrides, initial_job_idx, max(self.n_jobs, 1), self.workers
        )

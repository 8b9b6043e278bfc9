"""The ``hydra/launcher=stacked`` config node and the Launcher Hydra calls (dlr selects it with
``launcher=stacked``, conf/launcher). dlr, torch and Lightning are imported only when a sweep runs."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hydra.core.config_store import ConfigStore
from hydra.core.utils import JobReturn, configure_log, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict


@dataclass
class StackedLauncherConf:
    _target_: str = "hydra_plugins.dlr_stacked_launcher.stacked_launcher.StackedLauncher"
    # Worker processes the buckets are spread over (one torch thread each by default); 1 = this process.
    n_jobs: int = 2


ConfigStore.instance().store(
    group="hydra/launcher", name="stacked", node=StackedLauncherConf, provider="dlr_stacked_launcher"
)


class StackedLauncher(Launcher):
    def __init__(self, n_jobs: int = 2) -> None:
        self.n_jobs = max(n_jobs, 1)
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.workers = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        from dlr.experiments.stacked.compose import compose_once
        from dlr.experiments.stacked.launch import start_workers

        self.config, self.hydra_context = config, hydra_context
        compose_once(hydra_context)  # before the sweeper composes every job to check it
        self.workers = start_workers(hydra_context, task_function, config, self.n_jobs)

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from dlr.experiments.stacked.launch import launch_jobs

        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        jobs = []
        for index, overrides in enumerate(job_overrides, start=initial_job_idx):
            job = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
            with open_dict(job):
                job.hydra.job.id = job.hydra.job.num = index
            jobs.append(job)
        return launch_jobs(jobs, self.n_jobs, self.workers)

"""The Hydra callback behind every sweep: splits CPU threads between parallel jobs, and summarizes at the end.

Registered in ``conf/hydra/default.yaml``. ``on_job_start`` runs inside each job's process (a joblib
worker, a SLURM node); ``on_multirun_end`` runs once, in the launching process, after every job returned.
"""

import os
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from dlr import console


def threads_per_job(setting: int | str | None, n_jobs: int | None, cores: int | None = None) -> int | None:
    """``auto`` gives each of ``n_jobs`` parallel jobs an equal share of the cores (at least one)."""
    if setting in (None, "none"):
        return None
    if setting != "auto":
        return int(setting)
    cores = cores or os.cpu_count() or 1
    parallel = cores if not n_jobs or n_jobs < 0 else n_jobs
    return max(1, cores // parallel)


class SweepCallback(Callback):
    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        launcher = config.hydra.get("launcher") or {}
        threads = threads_per_job(config.get("torch_threads"), launcher.get("n_jobs"))
        if threads is not None:
            import torch  # here, not above: Hydra builds this callback before a config error can answer

            torch.set_num_threads(threads)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        study = config.get("study")
        settings = OmegaConf.to_container(study, resolve=True) if study is not None else {}
        from dlr.studies.summary import summarize  # pandas and matplotlib: only once a sweep has ended

        try:
            written = summarize(config.hydra.sweep.dir, settings)
        except Exception as error:  # a plotting problem must not hide that the jobs themselves finished
            console.print_error(f"sweep summary failed: {type(error).__name__}: {error}")
            return
        console.console.print(f"sweep summary: [bold]{written['table']}[/]")

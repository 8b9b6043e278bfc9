"""Resuming, resolved once: what this job left before, and which checkpoint this run continues.

Re-running a sweep's command reuses its directory (dlr/config/sweep_dirs.py) and Hydra numbers the jobs
in the same order, so each job finds its own earlier record: a completed job is skipped
(:func:`dlr.run.train.open_run`), an interrupted one (stopped by a signal, or killed: its process is gone)
continues from its ``last.ckpt``, a failed one runs again from the start. Otherwise ``ckpt_path`` (a file,
or ``last``: the newest finished run of the same model and data) names the checkpoint. Either way one
:class:`Resume` carries it, and the weights, the trainer's loops and the W&B run all continue from it.
"""

from dataclasses import dataclass
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from dlr.records import last_checkpoint_path, read_record, read_status
from dlr.run.checkpoints.find import resolve_checkpoint


def earlier_record(cfg: DictConfig) -> dict | None:
    """This very job's record from an earlier launch of its sweep (same overrides), else None."""
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None
    record = read_record(cfg.paths.output_dir)
    if record is None or record.get("overrides") != list(hydra_cfg.overrides.task):
        return None
    return record


@dataclass(frozen=True)
class Resume:
    checkpoint: Path
    #: The W&B run of the run that wrote the checkpoint, which the resumed run continues.
    wandb_id: str | None

    @classmethod
    def of(cls, checkpoint: Path) -> "Resume":
        # W&B names each run's directory <mode>-run-<time>-<id>, in the run directory beside checkpoints/.
        earlier = sorted((checkpoint.parent.parent / "wandb").glob("*run-*-*"))
        return cls(checkpoint, earlier[-1].name.rsplit("-", 1)[1] if earlier else None)


def resolve_resume(cfg: DictConfig, run_dir: str, choices: dict, earlier: dict | None) -> Resume | None:
    """The checkpoint this run continues: ``ckpt_path`` (``last`` narrowed to runs of the same model and
    data, ``choices``), else the interrupted job's own ``last.ckpt``, else None (a fresh start)."""
    if cfg.get("ckpt_path") is not None:
        found = resolve_checkpoint(cfg.ckpt_path, cfg.paths.log_dir, cfg.task_name, run_dir, choices)
        return Resume.of(found)
    last = last_checkpoint_path(run_dir)
    if read_status(earlier) == "interrupted" and last.is_file():
        return Resume.of(last)
    return None

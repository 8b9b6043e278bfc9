"""OmegaConf resolvers used by the configs. Registered on ``import dlr``."""

import os
import time

from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

#: ``<id>@<pid of the launching process>``, inherited by every process the launch starts.
LAUNCH_VARIABLE = "DLR_LAUNCH_UID"


def launch_uid() -> str:
    """A short id unique to this launch, shared with every process it starts (sweep workers, DDP ranks).

    Hydra's ``${now:...}`` has one-second resolution, so two sweeps started in the same second would share
    a directory; this suffix tells them apart.
    """
    if LAUNCH_VARIABLE not in os.environ:
        fresh = f"{int(time.time() * 1e6) % 10**6:06d}{os.getpid() % 1000:03d}"
        os.environ[LAUNCH_VARIABLE] = f"{fresh}@{os.getpid()}"
    return os.environ[LAUNCH_VARIABLE].partition("@")[0]


def start_launch() -> None:
    """Make this command a launch of its own: forget an id inherited from whoever started it.

    A notebook's shell, or any process that once ran dlr, hands its environment to the commands it starts;
    two of them started in the same second would share a run directory. The one command that keeps the id
    is a DDP rank that Lightning started from its launch (``LOCAL_RANK`` set, the launch is its parent).
    Sweep workers, forked runs and SLURM jobs are no command of their own: they never call this.
    """
    owner = os.environ.get(LAUNCH_VARIABLE, "").rpartition("@")[2]
    if not ("LOCAL_RANK" in os.environ and owner == str(os.getppid())):
        os.environ.pop(LAUNCH_VARIABLE, None)


def root_dir() -> str:
    """``$DLR_ROOT``, else the directory the command was launched from.

    ``${hydra:runtime.cwd}`` cannot serve here: a multirun resolves ``hydra.sweep.dir`` (which lies under
    the root) before Hydra installs its config, and ``oc.env`` resolves its default even when the variable
    is set. A job (sweep worker, DDP rank) reads the launch directory from its Hydra config, as it may run
    elsewhere.
    """
    if os.environ.get("DLR_ROOT"):
        return os.environ["DLR_ROOT"]
    if HydraConfig.initialized():
        return HydraConfig.get().runtime.cwd
    return os.getcwd()


def sweep_dir(base: str, fresh_name: str, *, _root_) -> str:
    """``hydra.sweep.dir``: an interrupted sweep of the same command, else ``base/fresh_name``."""
    from dlr.config import sweep_dirs  # only when a sweep starts: `--help` and single runs do not pay for it

    return sweep_dirs.sweep_dir(base, fresh_name, _root_=_root_)


def register() -> None:
    OmegaConf.register_new_resolver("dlr_uid", launch_uid, use_cache=True, replace=True)
    OmegaConf.register_new_resolver("dlr_root", root_dir, replace=True)
    OmegaConf.register_new_resolver("dlr_sweep_dir", sweep_dir, replace=True)

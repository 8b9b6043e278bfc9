"""OmegaConf resolvers used by the configs. Registered on ``import dlr``."""

import os
import time

from omegaconf import OmegaConf


def launch_uid() -> str:
    """A short id unique to this launch, shared with every process it starts (sweep workers, DDP ranks).

    Hydra's ``${now:...}`` has one-second resolution, so two sweeps started in the same second would share
    a directory; this suffix tells them apart.
    """
    if "DLR_LAUNCH_UID" not in os.environ:
        os.environ["DLR_LAUNCH_UID"] = f"{int(time.time() * 1e6) % 10**6:06d}{os.getpid() % 1000:03d}"
    return os.environ["DLR_LAUNCH_UID"]


def register() -> None:
    OmegaConf.register_new_resolver("dlr_uid", launch_uid, use_cache=True, replace=True)

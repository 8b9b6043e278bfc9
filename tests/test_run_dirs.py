"""Run directories: two launches in the same second never share one."""

import subprocess
import sys

from hydra.core.hydra_config import HydraConfig

from dlr.config.resolvers import launch_uid
from tests.conftest import ROOT

UID = "import dlr.config.resolvers as r; print(r.launch_uid())"


def test_two_launches_get_different_directory_ids():
    ids = {
        subprocess.run(
            [sys.executable, "-c", UID], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(ids) == 2


def test_run_and_sweep_dirs_carry_the_launch_id(make_cfg):
    make_cfg([])
    hydra_cfg = HydraConfig.get()
    uid = launch_uid()
    assert hydra_cfg.run.dir.endswith(uid) and hydra_cfg.sweep.dir.endswith(uid)

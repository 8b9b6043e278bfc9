"""Hydra's launcher suites (hydra_suites.py) pass against ``launcher=stacked``, and Hydra finds the plugin."""

import subprocess
import sys
from pathlib import Path

from hydra.core.plugins import Plugins
from hydra.plugins.launcher import Launcher

from tests.conftest import ROOT

SUITES = Path(__file__).with_name("hydra_suites.py")


def test_hydra_discovers_the_stacked_launcher_plugin():
    assert "StackedLauncher" in [plugin.__name__ for plugin in Plugins.instance().discover(Launcher)]


def test_hydras_launcher_batched_sweeper_and_integration_suites_all_pass_in_a_fresh_process():
    pytest_alone = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
    ]
    done = subprocess.run(
        [*pytest_alone, str(SUITES)], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert "21 passed" in done.stdout.splitlines()[-1]  # with the discovery test above: Hydra's 22 cases

"""Hydra's own launcher test suites against ``hydra/launcher=stacked``, as Hydra's launcher plugins run them:
in a pytest process of their own (test_hydra_suites.py starts it), since they assume a process in which no
Hydra app has been initialised, and every worker of dlr's suite composes dlr's configs.

Their jobs are not dlr's (no ``model``, a task function returning 100): the stacked launcher runs each as an
ordinary job through Hydra's ``run_job``.
"""

import os

import pytest
from hydra.test_utils.launcher_common_tests import (
    BatchedSweeperTestSuite,
    IntegrationTestSuite,
    LauncherTestSuite,
)

from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def plugin_importable(monkeypatch):
    """The integration suite's apps run in a temporary directory: they find the plugin through this checkout."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


@pytest.mark.parametrize("launcher_name, overrides", [("stacked", [])])
class TestStackedLauncher(LauncherTestSuite):
    pass


@pytest.mark.parametrize(
    "launcher_name, overrides", [("stacked", ["hydra/sweeper=basic", "hydra.sweeper.max_batch_size=2"])]
)
class TestStackedLauncherWithBatches(BatchedSweeperTestSuite):
    pass


@pytest.mark.parametrize(
    "task_launcher_cfg, extra_flags",
    [({}, ["-m", "hydra/launcher=stacked", "hydra/hydra_logging=disabled", "hydra/job_logging=disabled"])],
)
class TestStackedLauncherIntegration(IntegrationTestSuite):
    pass

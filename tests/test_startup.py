"""Start-up: answers that need no training import no torch, and a run imports only what it uses."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# Imported by a run only when it uses them (quantization, tables, pictures), or never (torchmetrics' optional
# metric backends).
NOT_FOR_THE_DEFAULT_RUN = (
    "torchvision",
    "transformers",
    "matplotlib",
    "pandas",
    "torchao",
    "sklearn",
    "scipy",
    "mnist1d",
)


def imported_modules(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """``python -X importtime train.py <args>``: its result and every module it imported."""
    command = [sys.executable, "-X", "importtime", "train.py", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    modules = {
        line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "import time:" in line
    }
    return result, modules


@pytest.mark.parametrize(
    "args, env",
    [
        (["--help"], None),
        (["--cfg", "job"], None),
        (["-sc", "query=bash"], {"COMP_LINE": "python train.py model=m", "COMP_POINT": "23"}),
    ],
    ids=["help", "cfg-job", "tab-completion"],
)
def test_answers_without_a_run_import_no_torch(args, env):
    result, modules = imported_modules(*args, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "torch" not in modules and "pytorch_lightning" not in modules


def test_a_config_error_answers_before_torch_with_a_failed_record(tmp_path):
    result, modules = imported_modules("width=0", f"paths.log_dir={tmp_path}")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "import time:" not in line and line.strip()]
    assert errors == ["error: width: must be an integer >= 1, got 0"]
    assert "torch" not in modules
    (record,) = [json.loads(p.read_text()) for p in tmp_path.rglob("metrics.json")]
    assert record["status"] == "failed" and record["error"].startswith("width:")


def test_the_run_flow_imports_no_optional_library(tmp_path):
    # What a default run imports: the run flow, the sweep callback Hydra builds for every run, and the
    # (cached) default data; dlr.patches.lean_imports keeps torchmetrics' optional families out of it.
    from dlr.data.mnist1d import generate_mnist1d

    generate_mnist1d(200, 0.8, 0, str(tmp_path))
    code = (
        "import sys\nfrom dlr.patches import install_entry_point_patches\ninstall_entry_point_patches()\n"
        "import dlr.run.lifecycle, dlr.studies.hydra_callback\n"
        "from dlr.data.mnist1d import generate_mnist1d\n"
        f"generate_mnist1d(200, 0.8, 0, {str(tmp_path)!r})\n"
        "import torchmetrics.utilities.imports as flags\n"
        "assert not flags._SCIPY_AVAILABLE and not flags._TORCHVISION_AVAILABLE\n"
        "print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    loaded = set(result.stdout.split())
    assert "pytorch_lightning" in loaded, result.stderr[-2000:]
    assert not loaded & set(NOT_FOR_THE_DEFAULT_RUN)


def test_hydra_help_shares_its_config_store_instead_of_copying_it():
    # What each of --help's ~140 repository copies held: the source's reference to the singleton store.
    # In a process of its own: the entry points install dlr.patches.lean_hydra, a test must not.
    code = (
        "import copy\nfrom dlr.patches import install_entry_point_patches\ninstall_entry_point_patches()\n"
        "from hydra._internal.core_plugins.structured_config_source import StructuredConfigSource\n"
        "from hydra.core.config_store import ConfigStore\n"
        "source = StructuredConfigSource(provider='test', path='structured://')\n"
        "print(source.store is ConfigStore.instance(), copy.deepcopy(source).store is ConfigStore.instance())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True"], result.stderr[-2000:]


def test_the_objects_alive_at_exit_are_frozen_out_of_the_last_collection():
    # Registered before the entry points' exit handler, the check runs after it (atexit runs last-in, first-out).
    code = (
        "import atexit, gc\natexit.register(lambda: print(gc.get_freeze_count()))\n"
        "from dlr.patches import install_entry_point_patches\ninstall_entry_point_patches()\nimport dlr, hydra"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout) > 10_000  # hydra, omegaconf and dlr: the collector no longer walks them

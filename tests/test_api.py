"""The Python API a notebook uses (dlr.compose, dlr.train, dlr.load, dlr.runs), Task.load_from_checkpoint, and
an ``import dlr`` that changes no other library."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import dlr
from dlr.tasks.supervised import SupervisedTask
from tests.conftest import ROOT

SMALL = ["data.num_samples=1000", "trainer.max_epochs=2", "trainer.num_sanity_val_steps=0"]


@pytest.fixture
def api_paths(tmp_path, data_dir, monkeypatch):
    monkeypatch.setenv("DLR_ROOT", str(tmp_path))
    return [f"paths.data_dir={data_dir}"]


def test_train_twice_in_one_process_gives_two_completed_runs_with_their_records(api_paths, tmp_path):
    first = dlr.train([*SMALL, *api_paths])
    second = dlr.train(dlr.compose([*SMALL, *api_paths, "model=cnn", "width=4"]))
    assert first["status"] == second["status"] == "completed"
    assert first["run_dir"] != second["run_dir"]
    assert Path(first["run_dir"]).parent == tmp_path / "outputs" / "runs" / "train"
    assert first["metrics"]["test/acc"] > 0.2  # chance is 0.1: the default MLP learns in two epochs
    assert second["choices"]["model"] == "cnn" and second["overrides"][-2:] == ["model=cnn", "width=4"]
    table = dlr.runs(tmp_path / "outputs")
    assert len(table) == 2 and set(table["status"]) == {"completed"}
    assert sorted(table["test/acc"]) == sorted([first["metrics"]["test/acc"], second["metrics"]["test/acc"]])


def test_a_bad_value_returns_a_failed_record_instead_of_ending_the_kernel(api_paths, capsys):
    record = dlr.train([*SMALL, *api_paths, "width=0"])
    assert record["status"] == "failed" and record["error"].startswith("width:")
    assert capsys.readouterr().err.strip().startswith("error: width:")


def test_load_gives_the_trained_task_which_predicts_its_test_accuracy(api_paths):
    record = dlr.train([*SMALL, *api_paths, "logger=none"])
    task = dlr.load(record["run_dir"])
    assert isinstance(task, SupervisedTask) and not task.training
    assert next(task.parameters()).device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    data = dlr.compose([*SMALL, *api_paths])
    from dlr.tasks.from_config import build_datamodule

    test = build_datamodule(data).test
    with torch.no_grad():
        accuracy = (task(test.x.to(task.device)).argmax(-1).cpu() == test.y).float().mean().item()
    assert accuracy == pytest.approx(record["metrics"]["test/acc"], abs=1e-6)


def test_lightnings_load_from_checkpoint_rebuilds_a_dlr_task_from_its_stored_config(api_paths):
    record = dlr.train([*SMALL, *api_paths, "logger=none"])
    checkpoint = Path(record["run_dir"]) / "checkpoints" / "last.ckpt"
    task = SupervisedTask.load_from_checkpoint(checkpoint, map_location="cpu")
    stored = torch.load(checkpoint, weights_only=True)["state_dict"]
    assert all(torch.equal(value, stored[key]) for key, value in task.state_dict().items())


def _library_state(import_dlr: bool) -> str:
    """What dlr's start-up patches would change, read in a fresh interpreter."""
    probe = (
        ("import dlr, dlr.api; dlr.compose; " if import_dlr else "")
        + "import atexit, gc, hydra.core.config_store as store, torchmetrics.utilities.imports as flags; "
        + "print(getattr(store.ConfigStore, '__deepcopy__', None), flags._TORCHVISION_AVAILABLE, "
        + "flags._MATPLOTLIB_AVAILABLE, atexit._ncallbacks())"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout


def test_import_dlr_changes_no_other_librarys_behaviour():
    assert _library_state(import_dlr=True) == _library_state(import_dlr=False)

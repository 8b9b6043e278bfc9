"""notebooks/quickstart.ipynb runs top to bottom in a real Jupyter kernel (nbclient), offline, with its
budget cell shrunk; any cell's error fails the test."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
SMALL_BUDGET = 'EPOCHS = 1\nSWEEP_WIDTHS = "4,16"\nSWEEP_EPOCHS = 2\nSWEEP_SAMPLES = 1000'


@pytest.mark.xdist_group("docs")  # its shell cells start train.py, predict.py and eval.py processes
def test_the_quickstart_notebook_runs_in_a_jupyter_kernel_and_each_step_leaves_its_run(tmp_path, monkeypatch):
    monkeypatch.setenv("DLR_ROOT", str(tmp_path))  # the kernel and the commands it starts write here
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    (budget,) = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    budget.source = SMALL_BUDGET
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()

    outputs = tmp_path / "outputs"
    statuses = [json.loads(p.read_text())["status"] for p in outputs.rglob("metrics.json")]
    assert statuses and set(statuses) == {"completed"}
    assert len(list(outputs.glob("multiruns/train/*/*/metrics.json"))) == 2  # the two widths of the sweep
    assert list(outputs.glob("runs/predict/*/predictions.npy")) and list(
        outputs.glob("runs/eval/*/metrics.json")
    )
    images = [
        o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) == 1  # the sweep's curve, drawn inline
    printed = "".join(o.get("text", "") for cell in notebook.cells for o in cell.get("outputs", []))
    assert "kB int8" in printed and "class probabilities" in printed

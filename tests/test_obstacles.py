"""scripts/obstacles.py: the course's arithmetic, and a model's size, training memory, speed and quantized
accuracy measured in one command, for a zoo net and for a Hugging Face model (a local folder, or a hub id
downloaded from a Hub on 127.0.0.1)."""

import json
import os
import runpy
import subprocess
import sys

import pytest
from PIL import Image

from dlr.hub import resolve_source
from tests import hub_repos
from tests.conftest import ROOT
from tests.hub_server import HubServer

SCRIPT = str(ROOT / "scripts" / "obstacles.py")
QUICK = ["--epochs", "1", "--rounds", "1", "--calls", "1", "--batch", "8"]


@pytest.fixture(scope="module")
def obstacles():
    return runpy.run_path(SCRIPT)  # in-process: no second torch import


def test_the_course_880_gb_line_is_the_same_arithmetic(obstacles, capsys):
    result = obstacles["main"](["--params", "220e9"])
    assert capsys.readouterr().err.splitlines() == [
        "220 billion parameters: fp32 880 GB, bf16 440 GB, int8 220 GB, int4 110 GB of weights",
        "training with AdamW, every tensor in fp32: 3.52 TB (weights + gradients + 2 moments)",
    ]
    assert result["fp32"]["weights"] == 880e9 and result["int4"]["weights"] == 110e9


def test_a_zoo_net_gets_exact_training_bytes_timings_and_quantized_accuracy(obstacles, tmp_path, capsys):
    out = tmp_path / "mlp"
    result = obstacles["main"](["model=mlp", "width=64", "data.num_samples=600", *QUICK, "--out", str(out)])
    printed = json.loads(capsys.readouterr().out)
    assert printed["params"] == result["params"] > 0
    params, tensors = result["params"], 2 * (1 + 1 + 1)  # weight and bias of 3 Linear layers (depth 2)
    assert result["bytes"] == {"fp32": 4 * params, "bf16": 2 * params, "int8": params, "int4": params / 2}
    memory = result["training_memory"]
    # AdamW keeps two fp32 moments per weight and one fp32 step count per tensor.
    assert memory["params"] == memory["grads"] == 4 * params
    assert memory["optimizer_state"] == 8 * params + 4 * tensors
    rows = result["precisions"]
    assert all(rows[p]["latency_ms"] > 0 and rows[p]["per_s"] > 0 for p in ("fp32", "bf16", "int8", "int4"))
    for name in ("int8", "int4"):
        assert rows[name]["change"] == pytest.approx(rows[name]["test"] - rows["fp32"]["test"])
        assert rows[name]["file_bytes"] < rows["fp32"]["file_bytes"]
    assert result["pretrained"]["origin"] == "built untrained" and result["pretrained"]["files_bytes"] is None
    assert Image.open(out / "obstacles.png").size[0] > 1000
    assert json.loads((out / "obstacles.json").read_text())["params"] == params


def test_a_hugging_face_folder_is_told_image_or_text_by_its_config(obstacles, tmp_path):
    vit, bert = hub_repos.vit(tmp_path / "vit"), hub_repos.bert(tmp_path / "bert")
    assert obstacles["model_overrides"]([f"model={vit}"])[1] == [
        "model=hf_image",
        f"model.net.source={vit}",
        "data=digits",
    ]
    assert obstacles["model_overrides"]([f"model={bert}", "data=bbc_news"])[1] == [
        "model=hf_text",
        f"model.net.source={bert}",
        "data=bbc_news",
    ]
    assert obstacles["model_overrides"](["model=minilm"])[1] == [
        "model=minilm",
        "data=bbc_news",
        "experiment=bbc_lora",
    ]


@pytest.mark.slow
def test_a_hub_model_reports_its_download_and_its_accuracy_after_quantization(tmp_path):
    repos = hub_repos.write_repos(tmp_path / "repos")
    environment = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    environment |= {"HF_HOME": str(tmp_path / "hf"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, SCRIPT, f"model={hub_repos.IMAGE}", *QUICK, "--out", str(tmp_path / "out")]
    with HubServer(repos) as hub:
        done = subprocess.run(
            command, env={**environment, "HF_ENDPOINT": hub.url}, capture_output=True, text=True
        )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    folder = repos / hub_repos.IMAGE
    loaded = result["pretrained"]
    assert loaded["origin"] == "hub" and loaded["files_bytes"] == sum(
        p.stat().st_size for p in folder.iterdir()
    )
    # Telling image from text fetched config.json; loading the net downloaded its weights.
    assert loaded["downloaded_bytes"] == (folder / "model.safetensors").stat().st_size
    assert result["data"] == "digits" and 0 <= result["precisions"]["int4"]["test"] <= 1
    assert resolve_source(hub_repos.IMAGE) == hub_repos.IMAGE  # a hub id, not a folder here

"""Models from the Hub: downloaded when the Hub answers, loaded from the Hugging Face cache when it does not;
safetensors only unless pickle is allowed; a model's own code only when trusted; the head replaced for the data.

The Hub is ``tests/hub_server.py``: the real ``huggingface_hub`` downloads from it on 127.0.0.1 into a real cache
(``HF_HOME``). Those libraries read ``HF_ENDPOINT``, ``HF_HOME`` and ``HF_HUB_OFFLINE`` when imported, so loads by
hub id run in a fresh interpreter (``tests/hub_probe.py``); local folders load in this one.
"""

import importlib
import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from dlr.errors import ConfigError
from dlr.nets.hf_image import HFImageClassifier
from dlr.nets.hf_text import HFTextClassifier
from dlr.nets.timm_net import TimmNet
from dlr.run.train import train
from tests import hub_repos
from tests.conftest import FAST, ROOT
from tests.hub_probe import digest
from tests.hub_server import HubServer

TEXT_TENSOR = "encoder.embeddings.word_embeddings.weight"
IMAGE_TENSOR = "model.vit.embeddings.patch_embeddings.projection.weight"
TIMM_TENSOR = "model.layer1.0.conv1.weight"
TEXT = "dlr.nets.hf_text.HFTextClassifier"


def spec(target: str, input_shape: list, tensor: str, **options) -> dict:
    return {
        "target": target,
        "input_shape": input_shape,
        "output_size": 10,
        "options": options,
        "tensor": tensor,
    }


SPECS = {
    "text": spec(TEXT, [16], TEXT_TENSOR, source=hub_repos.TEXT),
    "image": spec("dlr.nets.hf_image.HFImageClassifier", [1, 8, 8], IMAGE_TENSOR, source=hub_repos.IMAGE),
    "timm": spec("dlr.nets.timm_net.TimmNet", [1, 8, 8], TIMM_TENSOR, name=hub_repos.TIMM, pretrained=True),
    "pickle": spec(TEXT, [16], TEXT_TENSOR, source=hub_repos.TEXT_PICKLE),
    "pickle_allowed": spec(TEXT, [16], TEXT_TENSOR, source=hub_repos.TEXT_PICKLE, allow_pickle=True),
    "absent": spec(TEXT, [16], TEXT_TENSOR, source="tiny-org/absent"),
}


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    return hub_repos.write_repos(tmp_path_factory.mktemp("repos"))


@pytest.fixture(scope="module")
def saved(repos) -> dict[str, str]:
    """The digest of each probed tensor as the repositories hold it."""
    text = load_file(repos / hub_repos.TEXT / "model.safetensors")["embeddings.word_embeddings.weight"]
    image = load_file(repos / hub_repos.IMAGE / "model.safetensors")[
        "vit.embeddings.patch_embeddings.projection.weight"
    ]
    timm = load_file(repos / "timm" / hub_repos.TIMM / "model.safetensors")["layer1.0.conv1.weight"]
    return {name: digest(t) for name, t in {"text": text, "image": image, "timm": timm}.items()}


def probe(names: list[str], hf_home, **env) -> dict:
    """Build ``names``' nets in a fresh interpreter under ``env``; each answer as tests/hub_probe.py gives it."""
    environment = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    environment |= {"HF_HOME": str(hf_home), "PYTHONPATH": str(ROOT), **env}
    command = [sys.executable, "-m", "tests.hub_probe", json.dumps([SPECS[n] for n in names])]
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(zip(names, json.loads(done.stdout.splitlines()[-1]), strict=True))


def test_hub_ids_download_when_the_hub_answers_and_load_offline_from_the_cache(repos, saved, tmp_path):
    loads = ["text", "image", "timm", "pickle_allowed"]
    with HubServer(repos) as hub:
        online = probe([*loads, "pickle"], tmp_path / "hf", HF_ENDPOINT=hub.url)
    assert {"config.json", "model.safetensors", "pytorch_model.bin"} <= set(hub.downloaded())
    cached = tmp_path / "hf" / "hub" / "models--tiny-org--tiny-bert" / "snapshots"
    assert [p.name for p in cached.glob("*/model.safetensors")] == ["model.safetensors"]
    # The Hub is gone: HF_HUB_OFFLINE=1 reads the same files from the cache the download filled.
    offline = probe([*loads, "absent"], tmp_path / "hf", HF_HUB_OFFLINE="1")
    for answers in (online, offline):
        assert answers["text"]["sha256"] == answers["pickle_allowed"]["sha256"] == saved["text"]
        assert answers["image"]["sha256"] == saved["image"] and answers["timm"]["sha256"] == saved["timm"]
    assert online["pickle"]["error"].startswith(
        "model.net.allow_pickle: tiny-org/tiny-bert-pickle has only pickle-format weights (pytorch_model.bin)"
    )
    folder = tmp_path / "hf" / "hub" / "models--tiny-org--absent"
    assert offline["absent"]["error"] == (
        "model.net.source: 'tiny-org/absent' is not downloaded (HF_HUB_OFFLINE is set): expected config.json "
        f"and model.safetensors or model.safetensors.index.json in {folder}"
    )


@pytest.mark.slow
def test_a_hub_that_does_not_answer_falls_back_to_the_cache_without_hf_hub_offline(repos, saved, tmp_path):
    with HubServer(repos) as hub:
        probe(["text"], tmp_path / "hf", HF_ENDPOINT=hub.url)
        dead = hub.url
    answers = probe(["text", "absent"], tmp_path / "hf", HF_ENDPOINT=dead)
    assert answers["text"]["sha256"] == saved["text"]
    assert f"'tiny-org/absent' is not downloaded ({dead} did not answer)" in answers["absent"]["error"]


@pytest.mark.slow
def test_train_py_trains_a_hub_text_model_downloaded_then_offline(repos, tmp_path):
    """The user's commands: `model=hf_text model.net.source=<hub id>` online, then the same with no Hub."""
    command = [
        sys.executable,
        "train.py",
        "model=hf_text",
        f"model.net.source={hub_repos.TEXT}",
        "data=bbc_news",
    ]
    command += ["data.max_length=16", "data.n_per_class=4", *FAST, "trainer.max_epochs=1"]
    environment = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"} | {
        "HF_HOME": str(tmp_path / "hf")
    }
    records = []
    for name in ("online", "offline"):
        paths = [f"paths.log_dir={tmp_path / name}", f"paths.data_dir={tmp_path / name / 'data'}"]
        if name == "online":
            with HubServer(repos) as hub:
                done = subprocess.run(
                    [*command, *paths],
                    cwd=ROOT,
                    env={**environment, "HF_ENDPOINT": hub.url},
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
        else:
            done = subprocess.run(
                [*command, *paths],
                cwd=ROOT,
                env={**environment, "HF_HUB_OFFLINE": "1"},
                capture_output=True,
                text=True,
                timeout=600,
            )
        assert done.returncode == 0, done.stderr[-2000:]
        records += [json.loads(p.read_text()) for p in (tmp_path / name).rglob("metrics.json")]
    assert [r["status"] for r in records] == ["completed", "completed"]
    assert records[0]["metrics"]["params/total"] == records[1]["metrics"]["params/total"]


def test_importing_the_hub_module_leaves_the_environment_as_it_was(monkeypatch):
    import dlr.hub

    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(variable, raising=False)
    before = dict(os.environ)
    importlib.reload(dlr.hub)
    assert dict(os.environ) == before  # the user's HF_HUB_OFFLINE decides, never dlr


def test_an_image_backbone_keeps_its_weights_and_gets_a_new_head(repos):
    from transformers import ViTForImageClassification

    saved = ViTForImageClassification.from_pretrained(repos / hub_repos.IMAGE)
    net = HFImageClassifier((1, 8, 8), 10, source=str(repos / hub_repos.IMAGE))
    projection = "vit.embeddings.patch_embeddings.projection.weight"
    assert torch.equal(net.model.get_parameter(projection), saved.get_parameter(projection))
    # Ten classes in the checkpoint's head and in the data's: the head is still new.
    assert saved.classifier.out_features == net.model.classifier.out_features == 10
    assert not torch.equal(net.model.classifier.weight, saved.classifier.weight)
    assert net(torch.rand(4, 1, 8, 8)).shape == (4, 10)  # grey 8x8 in, repeated to 3 channels and resized


def test_a_model_that_ships_its_code_runs_only_when_trusted(repos):
    folder = str(repos / hub_repos.REMOTE_CODE)
    with pytest.raises(ConfigError) as refused:
        HFTextClassifier((16,), 3, source=folder)
    assert str(refused.value) == (
        f"model.net.trust_remote_code: {folder} ships its own Python code; set model.net.trust_remote_code=true "
        "to run it"
    )
    assert type(HFTextClassifier((16,), 3, source=folder, trust_remote_code=True).encoder).__name__ == (
        "TinyRemoteModel"
    )


def test_a_local_folder_with_pickle_weights_loads_as_the_users_own_file(repos):
    net = HFTextClassifier((16,), 3, source=str(repos / hub_repos.TEXT_PICKLE))
    saved = torch.load(repos / hub_repos.TEXT_PICKLE / "pytorch_model.bin", weights_only=True)
    assert torch.equal(
        net.encoder.embeddings.word_embeddings.weight, saved["embeddings.word_embeddings.weight"]
    )


def test_timm_weights_behind_a_pickle_url_are_refused_before_any_download():
    with pytest.raises(ConfigError) as refused:
        TimmNet((3, 32, 32), 10, name="gcvit_xxtiny.in1k", pretrained=True)
    assert str(refused.value).startswith(
        "model.net.allow_pickle: timm's weights for gcvit_xxtiny.in1k are a pickle"
    )


HUB_IMAGE = ["data=digits", "model=hf_image", *FAST, "optimizer.lr=0.003", "trainer.max_epochs=4"]
# Chance on digits is 0.1; the tiny ViT's backbone is random, so "learns" is the bar, not a pretrained score.
IMAGE_RUNS = {
    "fine-tune": [],
    "lora": ["transfer=lora"],
    "freeze": ["transfer=freeze", "transfer.freeze.first_k=1"],
    "int8": ["quantization=int8_dynamic"],
    "int4": ["quantization=int4_weight_only"],
    "bnb": ["quantization=bnb"],
    "qlora": ["quantization=qlora"],
}
FAST_IMAGE_RUNS = ("lora", "int4")


@pytest.mark.parametrize(
    "name", [n if n in FAST_IMAGE_RUNS else pytest.param(n, marks=pytest.mark.slow) for n in IMAGE_RUNS]
)
def test_a_hub_image_model_learns_digits_under_each_transfer_and_quantization(make_cfg, repos, name):
    overrides = [*HUB_IMAGE, f"model.net.source={repos / hub_repos.IMAGE}", *IMAGE_RUNS[name]]
    record = train(make_cfg(overrides))
    assert record["status"] == "completed", record.get("error")
    assert record["metrics"]["test/acc"] > 0.3, record["metrics"]
    if name in ("int8", "int4"):
        # 2 layers x (query, key, value, output, up, down), and the head
        assert record["metrics"]["quantization/quantized_linears"] == 13
        assert abs(record["metrics"]["delta/test/acc"]) < 0.05


def test_a_hub_text_model_trains_with_qlora(make_cfg, repos):
    overrides = ["data=bbc_news", "model=hf_text", f"model.net.source={repos / hub_repos.TEXT}", *FAST]
    overrides += ["data.max_length=16", "data.n_per_class=8", "quantization=qlora", "trainer.max_epochs=1"]
    record = train(make_cfg(overrides))
    assert record["status"] == "completed", record.get("error")
    assert record["metrics"]["params/trainable"] < record["metrics"]["params/total"] / 10

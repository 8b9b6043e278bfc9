"""Tiny models written as the Hub stores them (``save_pretrained`` folders, timm's safetensors, a pickle-only
repository, a model that ships its own code), for local-folder loads and for ``tests/hub_server.py``.

``write_repos(root)`` lays them out as ``root/<owner>/<name>``: each folder is both a local source and, served
by the loopback Hub, the repository ``<owner>/<name>``.
"""

from pathlib import Path

import torch

from dlr.hub import resolve_source

TEXT = "tiny-org/tiny-bert"
TEXT_PICKLE = "tiny-org/tiny-bert-pickle"
IMAGE = "tiny-org/tiny-vit"
REMOTE_CODE = "tiny-org/tiny-remote-code"
TIMM = "test_resnet.r160_in1k"  # timm's own test model, whose weights live at timm/test_resnet.r160_in1k
TINY_BERT = {
    "vocab_size": 30522,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}
# Patches of 4 on 16x16 images, 3 channels, 10 classes: digits (1x8x8, 10 classes) meets a grey-to-colour
# repeat, a resize and a head with the same class count, which must still be replaced. 64 wide: bitsandbytes'
# CPU kernels quantize in blocks of 64 inputs.
TINY_VIT = {
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 128,
    "image_size": 16,
    "patch_size": 4,
    "num_channels": 3,
    "num_labels": 10,
}

REMOTE_CONFIG = """from transformers import PretrainedConfig


class TinyRemoteConfig(PretrainedConfig):
    model_type = "tiny-remote"

    def __init__(self, hidden_size=8, vocab_size=30522, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size, self.vocab_size = hidden_size, vocab_size
"""
REMOTE_MODEL = """import torch
from transformers import PreTrainedModel
from transformers.modeling_outputs import BaseModelOutput

from .configuration_tiny_remote import TinyRemoteConfig


class TinyRemoteModel(PreTrainedModel):
    config_class = TinyRemoteConfig

    def __init__(self, config):
        super().__init__(config)
        self.embed = torch.nn.Embedding(config.vocab_size, config.hidden_size)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, **kwargs):
        return BaseModelOutput(last_hidden_state=self.embed(input_ids))
"""


def _tokenizer(folder: Path) -> None:
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(resolve_source("all-MiniLM-L6-v2")).save_pretrained(folder)


def bert(folder: Path, pickle: bool = False) -> Path:
    """A 2-layer BERT with MiniLM's tokenizer; ``pickle``: its weights as ``pytorch_model.bin`` only."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    model = BertModel(BertConfig(**TINY_BERT))
    model.save_pretrained(folder)
    if pickle:
        (folder / "model.safetensors").unlink()
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
    _tokenizer(folder)
    return folder


def vit(folder: Path) -> Path:
    from transformers import ViTConfig, ViTForImageClassification

    torch.manual_seed(0)
    ViTForImageClassification(ViTConfig(**TINY_VIT)).save_pretrained(folder)
    return folder


def timm_weights(folder: Path) -> Path:
    """timm's ``test_resnet`` with its pretrained shapes (3 channels, 1000 classes), saved as timm's hub
    repositories hold it: ``model.safetensors``."""
    import timm
    from safetensors.torch import save_file

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(timm.create_model(TIMM).state_dict(), folder / "model.safetensors")
    return folder


def remote_code(folder: Path) -> Path:
    """A model whose config names its own Python classes (``auto_map``), shipped next to its weights."""
    import json

    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "configuration_tiny_remote.py").write_text(REMOTE_CONFIG)
    (folder / "modeling_tiny_remote.py").write_text(REMOTE_MODEL)
    auto_map = {
        "AutoConfig": "configuration_tiny_remote.TinyRemoteConfig",
        "AutoModel": "modeling_tiny_remote.TinyRemoteModel",
    }
    config = {"model_type": "tiny-remote", "hidden_size": 8, "vocab_size": 30522, "auto_map": auto_map}
    (folder / "config.json").write_text(json.dumps(config))
    save_file({"embed.weight": torch.randn(30522, 8)}, folder / "model.safetensors")
    return folder


def write_repos(root: Path) -> Path:
    """Every tiny repository under ``root``, at the path of its hub id."""
    bert(root / TEXT)
    bert(root / TEXT_PICKLE, pickle=True)
    vit(root / IMAGE)
    remote_code(root / REMOTE_CODE)
    timm_weights(root / "timm" / TIMM)
    return root

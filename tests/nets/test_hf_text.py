"""Hugging Face text encoders offline: the bundled MiniLM learns BBC topics with LoRA; local folders load."""

import socket

import pytest
import torch

from dlr.errors import ConfigError
from dlr.hub import resolve_source
from dlr.nets.hf_text import HFTextClassifier
from dlr.run.train import train
from dlr.transfer.blocks import transfer_blocks
from dlr.transfer.lora import apply_lora

TINY = {
    "vocab_size": 30522,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A local folder as save_pretrained writes it: a 2-layer BERT and MiniLM's tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny_bert")
    torch.manual_seed(0)
    BertModel(BertConfig(**TINY)).save_pretrained(folder)
    AutoTokenizer.from_pretrained(resolve_source("all-MiniLM-L6-v2"), local_files_only=True).save_pretrained(
        folder
    )
    return folder


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_minilm_with_lora_learns_bbc_topics_offline(make_cfg, no_network):
    overrides = [
        "data=bbc_news",
        "model=minilm",
        "transfer=lora",
        "transfer.lora.target_modules=[query,value]",
        "transfer.lora.save=none",
        "data.max_length=32",
        "data.n_per_class=4",
        "data.batch_size=10",
        "data.eval_batch_size=50",
        "trainer.limit_test_batches=1",
        "trainer.limit_val_batches=0",
        "trainer.max_epochs=6",
        "optimizer.lr=0.01",
        "callbacks=none",
        "logger=none",
        "trainer.num_sanity_val_steps=0",
    ]
    record = train(make_cfg(overrides))
    metrics = record["metrics"]
    assert metrics["params/trainable"] == 6 * 2 * 8 * (384 + 384) + (384 * 5 + 5)  # q, v in 6 layers + head
    assert metrics["test/acc"] > 0.6, metrics  # 50 unseen articles, 5 topics: chance is 0.2


def test_a_local_folder_loads_its_weights(tiny_bert):
    from transformers import BertModel

    saved = BertModel.from_pretrained(tiny_bert).embeddings.word_embeddings.weight
    net = HFTextClassifier((16,), 3, source=str(tiny_bert))
    scratch = HFTextClassifier((16,), 3, source=str(tiny_bert), pretrained=False)
    assert torch.equal(net.encoder.embeddings.word_embeddings.weight, saved)
    assert not torch.equal(scratch.encoder.embeddings.word_embeddings.weight, saved)
    assert [b.name for b in transfer_blocks(net)] == [
        "before encoder.encoder.layer",
        "encoder.encoder.layer.0",
        "encoder.encoder.layer.1",
        "after encoder.encoder.layer",
    ]


def test_padding_does_not_change_the_embedding(tiny_bert):
    net = HFTextClassifier((24,), 3, source=str(tiny_bert)).eval()
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    short, long = torch.zeros(1, 8, dtype=torch.long), torch.zeros(1, 24, dtype=torch.long)
    short[:, :6], long[:, :6] = ids, ids
    torch.testing.assert_close(net.embed(short), net.embed(long))


def test_lora_on_a_hugging_face_model_counts_exactly(tiny_bert):
    from transformers import BertModel

    model = apply_lora(BertModel.from_pretrained(tiny_bert), ["query", "value"], r=4)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == 2 * 2 * 4 * (32 + 32)  # 2 layers x (query, value) x r x (in + out)


def test_a_source_that_is_not_on_this_machine_fails_in_one_line(no_network):
    with pytest.raises(ConfigError) as error:
        HFTextClassifier((16,), 3, source="someone/not-downloaded-model")
    message = str(error.value)
    assert "\n" not in message and message.startswith(
        "model.net.source: 'someone/not-downloaded-model' is not "
    )
    assert message.endswith("/models--someone--not-downloaded-model")

"""Freezing: frozen weights are bitwise unchanged by training, BatchNorm statistics too when asked."""

import json

import pytest
import torch

from dlr.errors import ConfigError
from dlr.run.train import train
from dlr.transfer.blocks import transfer_blocks
from tests.conftest import FAST
from tests.transfer.conftest import freeze


def _weights(path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=False)["state_dict"]


def test_frozen_parameters_are_bitwise_unchanged_after_training(make_cfg, build_task, save_checkpoint):
    _, _, pretrained = build_task(["model=cnn", "width=8"])
    checkpoint = save_checkpoint(pretrained)
    overrides = [
        "model=cnn",
        "width=8",
        "transfer=freeze",
        "transfer.freeze.first_k=2",
        "transfer.freeze.frozen_batch_norm=true",
        f"transfer.checkpoint={checkpoint}",
        "trainer.max_epochs=2",
        "logger=none",
        "trainer.num_sanity_val_steps=0",
    ]
    cfg = make_cfg(overrides)
    record = train(cfg)
    assert record["metrics"]["params/trainable"] < record["metrics"]["params/total"]
    before, after = _weights(checkpoint), _weights(f"{cfg.paths.output_dir}/checkpoints/last.ckpt")
    frozen = json.loads(open(f"{cfg.paths.output_dir}/transfer.json").read())["frozen"]
    assert {name.split(".")[0] for name in frozen} == {"features"} and len(
        frozen
    ) == 8  # 2 x (conv w, b, bn w, b)
    for name in frozen:
        assert torch.equal(before[f"net.{name}"], after[f"net.{name}"]), name
    for stat in ("net.features.1.running_mean", "net.features.1.running_var"):  # first block's BatchNorm
        assert torch.equal(before[stat], after[stat])
    assert not torch.equal(
        before["net.features.9.running_mean"], after["net.features.9.running_mean"]
    )  # 3rd: trained
    assert not torch.equal(before["net.head.weight"], after["net.head.weight"])


def test_blocks_of_the_dlr_nets(build_task):
    assert [b.name for b in transfer_blocks(build_task(["depth=3"])[2].net)] == [
        "layers.1",
        "layers.3",
        "layers.5",
        "layers.7",
    ]
    cnn = transfer_blocks(build_task(["model=cnn", "width=8"])[2].net)
    assert [b.name for b in cnn] == ["features.0", "features.4", "features.8", "head"]
    assert cnn[0].params == ["features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias"]


def test_freeze_by_pattern_and_its_errors(build_task):
    _, _, task = build_task([])
    frozen = freeze(patterns=[r"layers\.1\."]).apply(task.net).callbacks or None
    assert (
        frozen is None
        and not task.net.layers[1].weight.requires_grad
        and task.net.layers[3].weight.requires_grad
    )
    with pytest.raises(
        ConfigError, match="'encoder' matches no parameter; blocks: layers.1, layers.3, layers.5"
    ):
        freeze(patterns=["encoder"]).apply(task.net)
    with pytest.raises(ConfigError, match="transfer.freeze.first_k: must leave a block trainable"):
        freeze(first_k=3).apply(task.net)


def test_a_linear_probe_trains_only_the_head(make_cfg):
    record = train(make_cfg([*FAST, "trainer.max_epochs=1", "transfer=freeze"]))
    assert record["metrics"]["params/trainable"] == 100 * 10 + 10  # width 100 -> 10 classes
    assert record["metrics"]["params/trainable_pct"] == pytest.approx(100 * 1010 / 15210, abs=1e-3)

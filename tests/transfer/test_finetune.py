"""Loading a checkpoint into a new run: exact by default, partial on request, a new head for new classes."""

import json

import pytest
import torch

from dlr.errors import ConfigError
from tests.test_bad_input import fails_with
from tests.transfer.conftest import finetune


def test_mismatched_checkpoint_fails_in_one_line_naming_the_keys(build_task, save_checkpoint):
    _, _, wide = build_task(["width=32"])
    _, _, narrow = build_task(["width=16"])
    with pytest.raises(ConfigError) as error:
        finetune(save_checkpoint(wide)).apply(narrow.net)
    message = str(error.value)
    assert "\n" not in message and message.startswith("transfer.checkpoint:")
    assert "net.layers.1.weight (32, 40) vs (16, 40)" in message and "transfer.partial=true" in message


def test_partial_loading_reports_loaded_missing_and_unexpected(build_task, save_checkpoint, tmp_path):
    _, _, deep = build_task(["width=16", "depth=3"])
    _, _, shallow = build_task(["width=16", "depth=2"])
    finetune(save_checkpoint(deep), partial=True).apply(shallow.net, run_dir=str(tmp_path))
    report = json.loads((tmp_path / "transfer.json").read_text())["weights"]
    assert report["loaded"] == [
        "net.layers.1.bias",
        "net.layers.1.weight",
        "net.layers.3.bias",
        "net.layers.3.weight",
    ]
    assert report["new_head"] == [
        "net.layers.5.bias",
        "net.layers.5.weight",
    ]  # depth 3's 3rd hidden layer: (16, 16)
    assert report["unexpected"] == ["net.layers.7.weight", "net.layers.7.bias"] and report["missing"] == []
    assert torch.equal(shallow.net.layers[1].weight, deep.net.layers[1].weight)


def test_new_head_when_the_class_count_differs(build_task, save_checkpoint):
    _, _, five = build_task(["width=16", "data.classes=[0,1,2,3,4]"])
    _, _, ten = build_task(["width=16", "seed=1"])
    head_before = ten.net.layers[-1].weight.clone()
    finetune(save_checkpoint(five)).apply(ten.net)
    assert torch.equal(ten.net.layers[1].weight, five.net.layers[1].weight)  # the body is loaded
    assert torch.equal(ten.net.layers[-1].weight, head_before) and ten.net.layers[-1].out_features == 10


def test_finetune_needs_a_checkpoint(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        ["transfer=finetune"],
        "transfer.checkpoint: transfer=finetune needs transfer.checkpoint=<a .ckpt file or a run directory>",
    )

"""LoRA through peft: exact trainable counts, merged == unmerged, one-line errors, saving, any kind of net."""

import pytest
import torch
from safetensors.torch import load_model

from dlr.errors import ConfigError
from dlr.nets.mlp import MLP
from dlr.nets.timm_net import TimmNet
from dlr.transfer.lora import apply_lora, merge_lora, save_lora


def _mlp() -> MLP:
    torch.manual_seed(0)
    return MLP((40,), 10, width=100, depth=2)


def test_lora_leaves_exactly_the_expected_trainable_parameters(build_task):
    overrides = ["transfer.lora.target_modules=all-linear", "transfer.lora.train_head=true"]
    _, _, task = build_task(
        ["width=100", "depth=2", "transfer=lora", "transfer.lora.r=4", "transfer.lora.alpha=8", *overrides]
    )
    trainable = sum(p.numel() for p in task.parameters() if p.requires_grad)
    # r * (in + out) per adapted Linear (40->100, 100->100), plus the head (100->10) trained in full
    assert trainable == 4 * (40 + 100) + 4 * (100 + 100) + (100 * 10 + 10)
    assert task.parameter_counts()["params/trainable"] == trainable


def test_merged_lora_gives_the_same_outputs_as_unmerged():
    model = apply_lora(_mlp(), ["layers.1", "layers.3"], r=4, alpha=8)
    for name, param in model.named_parameters():
        if "lora_B" in name:  # B starts at zero; give the adapter an effect to merge
            torch.nn.init.normal_(param, std=0.1)
    x = torch.randn(64, 40)
    model.eval()
    merged = merge_lora(model).eval()
    assert not any("lora" in name for name, _ in merged.named_parameters())
    assert not torch.allclose(model(x), _mlp()(x))  # the adapter changes the function...
    torch.testing.assert_close(merged(x), model(x), atol=1e-5, rtol=1e-5)  # ...and merging keeps it


def test_a_target_that_matches_nothing_fails_naming_the_layers():
    with pytest.raises(ConfigError) as error:
        apply_lora(_mlp(), ["query"])
    message = str(error.value)
    assert (
        "\n" not in message
        and "'query' matches no layer" in message
        and "layers.1, layers.3, layers.5" in message
    )
    with pytest.raises(ConfigError, match="regex 'enc.*' matches no layer"):
        apply_lora(_mlp(), "enc.*")


def test_adapter_alone_and_merged_net_are_saved(tmp_path):
    model = apply_lora(_mlp(), "all-linear", r=2, train_head=True)
    torch.nn.init.normal_(model.base_model.model.layers[1].lora_B["default"].weight)
    adapter = save_lora(model, tmp_path / "adapter", "adapter")
    assert adapter.is_file() and (tmp_path / "adapter" / "adapter_config.json").is_file()
    merged_file = save_lora(model, tmp_path / "merged", "merged")
    fresh = _mlp()
    load_model(fresh, str(merged_file))
    x = torch.randn(8, 40)
    torch.testing.assert_close(fresh.eval()(x), model.eval()(x), atol=1e-5, rtol=1e-5)
    assert adapter.stat().st_size < merged_file.stat().st_size / 2  # the adapter holds only factors and head


def test_lora_on_a_timm_model_by_regex():
    net = TimmNet((1, 16, 16), 3, name="test_resnet")
    convs = [
        n for n, m in net.named_modules() if isinstance(m, torch.nn.Conv2d) and n.startswith("model.layer")
    ]
    model = apply_lora(net, r"model\.layer\d\.\d\.conv\d", r=2)
    adapted = {
        n.removeprefix("base_model.model.").removesuffix(".lora_A")
        for n, _ in model.named_modules()
        if n.endswith("lora_A")
    }
    assert adapted == {n for n in convs if "downsample" not in n}
    assert all("lora_" in n for n, p in model.named_parameters() if p.requires_grad)


def test_timm_weights_load_from_a_local_file(tmp_path):
    from safetensors.torch import save_file

    source = TimmNet((1, 16, 16), 3, name="test_resnet")
    save_file(source.model.state_dict(), str(tmp_path / "weights.safetensors"))
    loaded = TimmNet(
        (1, 16, 16), 3, name="test_resnet", pretrained_file=str(tmp_path / "weights.safetensors")
    )
    assert torch.equal(loaded.model.conv1[0].weight, source.model.conv1[0].weight)

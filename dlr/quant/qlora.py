"""QLoRA: every Linear but the head frozen as 4-bit NormalFloat (torchao's NF4), LoRA adapters trained on top.

The adapters come from ``dlr.transfer.lora.apply_lora`` (peft). When the fit ends the net is converted
for deployment: each adapter is folded into its dequantized base weight, which is quantized to NF4 again.
"""

import copy

import pytorch_lightning as pl
from torch import nn
from torchao.quantization import NF4Tensor, to_nf4

from dlr.transfer.blocks import head_params
from dlr.transfer.lora import apply_lora

BLOCK_SIZES = (64, 32, 16, 8)  # weights per absmax scale; 64 is the QLoRA paper's
MAX_SCALER_BLOCK = 256  # absmax scales per (double-quantized) scaler


def _nf4_blocks(numel: int) -> tuple[int, int] | None:
    """The largest block size dividing ``numel``, and the largest scaler block dividing the block count."""
    for block in BLOCK_SIZES:
        if numel % block == 0:
            blocks = numel // block
            return block, max(d for d in range(1, min(blocks, MAX_SCALER_BLOCK) + 1) if blocks % d == 0)
    return None


def quantize_nf4(module: nn.Module, skip: set[str] = frozenset()) -> list[str]:
    """Freeze every Linear weight not in ``skip`` as NF4, in place; returns the names of those kept float."""
    kept = []
    for name, layer in module.named_modules():
        if type(layer) is not nn.Linear or f"{name}.weight" in skip or isinstance(layer.weight, NF4Tensor):
            continue
        blocks = _nf4_blocks(layer.weight.numel())
        if blocks is None:
            kept.append(name)
            continue
        layer.weight = nn.Parameter(to_nf4(layer.weight.detach(), *blocks), requires_grad=False)
    return kept


def apply_qlora(net: nn.Module, r: int = 8, alpha: float = 16) -> tuple[nn.Module, list[str]]:
    """NF4 base (the head stays float and trains in full) + LoRA on every other Linear."""
    kept = quantize_nf4(net, skip=set(head_params(net)))
    return apply_lora(net, "all-linear", r=r, alpha=alpha, train_head=True), kept


def merge_qlora(peft_net: nn.Module) -> nn.Module:
    """A merged copy: each adapter folded into its dequantized base weight, quantized to NF4 again.

    ``peft_net`` is left as it was. Its NF4 weights are swapped for float ones while it is copied, because
    deep-copying an NF4Tensor rebuilds it with the default block size, which fails for other sizes."""
    nf4 = {
        layer: layer.weight
        for layer in peft_net.modules()
        if type(layer) is nn.Linear and isinstance(layer.weight, NF4Tensor)
    }
    for layer, weight in nf4.items():
        layer.weight = nn.Parameter(weight.get_original_weight(), requires_grad=False)
    merged = copy.deepcopy(peft_net)
    for layer, weight in nf4.items():
        layer.weight = weight
    merged = merged.merge_and_unload()
    quantize_nf4(merged, skip=set(head_params(merged)))
    return merged


class MergeQLoRA(pl.Callback):
    """Converts the QLoRA net when the fit ends; ``reference`` keeps the unmerged net."""

    def __init__(self):
        self.reference = None

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.reference = pl_module.net
        pl_module.replace_net(merge_qlora(pl_module.net))

"""Freezing parameters by block (the first k) or by name pattern, optionally with BatchNorm statistics frozen."""

import re

from torch import nn

from dlr.errors import require
from dlr.transfer.blocks import transfer_blocks


def set_trainable(net: nn.Module, names, trainable: bool) -> None:
    names = set(names)
    for name, param in net.named_parameters():
        if name in names:
            param.requires_grad_(trainable)


def _keep_in_eval_mode(module: nn.Module, _inputs) -> None:
    module.eval()


def freeze_batch_norm_statistics(net: nn.Module, frozen: set[str]) -> list[str]:
    """Keep the BatchNorm layers whose parameters are frozen in eval mode: normalise with, and never update,
    the loaded running statistics. Lightning calls ``train()`` on the whole model every epoch, so a forward
    pre-hook re-applies eval mode at each call instead of setting it once."""
    kept = []
    for name, module in net.named_modules():
        own = {f"{name}.{p}" for p, _ in module.named_parameters(recurse=False)}
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and own and own <= frozen:
            module.register_forward_pre_hook(_keep_in_eval_mode)
            kept.append(name)
    return kept


def freeze(
    net: nn.Module,
    first_k: int | None = None,
    patterns: list[str] | tuple = (),
    frozen_batch_norm: bool = False,
) -> list[str]:
    """Freeze the first ``first_k`` blocks (negative: all but the last ``-first_k``) and every parameter whose
    name contains a match of one of ``patterns``; return the frozen parameter names."""
    blocks = transfer_blocks(net)
    frozen: set[str] = set()
    if first_k is not None:
        names = ", ".join(b.name for b in blocks)
        require(
            -len(blocks) < first_k < len(blocks),
            "transfer.freeze.first_k",
            f"must leave a block trainable: "
            f"between {1 - len(blocks)} and {len(blocks) - 1} for this net's {len(blocks)} blocks ({names}), got {first_k}",
        )
        frozen.update(p for block in blocks[:first_k] for p in block.params)
    all_names = [name for name, _ in net.named_parameters()]
    for pattern in patterns:
        matched = [name for name in all_names if re.search(pattern, name)]
        require(
            bool(matched),
            "transfer.freeze.patterns",
            f"{pattern!r} matches no parameter; blocks: {', '.join(b.name for b in blocks)}",
        )
        frozen.update(matched)
    require(len(frozen) < len(all_names), "transfer.freeze", "freezes every parameter; nothing would train")
    set_trainable(net, frozen, False)
    if frozen_batch_norm:
        freeze_batch_norm_statistics(net, frozen)
    return sorted(frozen)

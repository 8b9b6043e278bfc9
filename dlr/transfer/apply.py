"""The ``transfer=`` group: a transform of the built net, in a fixed order: load weights, freeze, scale
learning rates, unfreeze gradually, add LoRA. Each config in ``conf/transfer/`` sets one of these steps
(they combine) and names the class that applies them with ``_target_``."""

import json
from pathlib import Path

from torch import nn

from dlr import console
from dlr.errors import require
from dlr.transfer.discriminative import lr_multipliers
from dlr.transfer.finetune import load_pretrained_weights
from dlr.transfer.freeze import freeze
from dlr.transfer.gradual import GradualUnfreeze
from dlr.transfer.lora import SaveLora, apply_lora, resolve_targets
from dlr.transforms import NetTransform


class Transfer:
    """The options of ``conf/transfer/none.yaml`` and the step each other config adds (``None``: not taken)."""

    def __init__(
        self,
        name: str,
        checkpoint: str | None,
        partial: bool,
        reset_head: bool,
        freeze: dict | None = None,
        discriminative_lr: dict | None = None,
        gradual_unfreeze: dict | None = None,
        lora: dict | None = None,
    ):
        self.name, self.checkpoint, self.partial, self.reset_head = name, checkpoint, partial, reset_head
        self.freeze, self.discriminative_lr = freeze, discriminative_lr
        self.gradual_unfreeze, self.lora = gradual_unfreeze, lora

    def apply(self, net: nn.Module, run_dir: str | None = None, load_weights: bool = True) -> NetTransform:
        """Transform ``net``; ``load_weights=False`` rebuilds the structure only (evaluating a checkpoint of a
        transfer run, whose own weights are loaded next). ``run_dir`` receives ``transfer.json``."""
        report: dict = {"name": self.name}
        result = NetTransform(net)
        if self.checkpoint and load_weights:
            report["weights"] = load_pretrained_weights(net, self.checkpoint, self.partial, self.reset_head)
            _announce_weights(report["weights"])
        if self.freeze:
            report["frozen"] = freeze(net, **self.freeze)
        if self.discriminative_lr:
            result.lr_multipliers = lr_multipliers(net, **self.discriminative_lr)
            report["lr_multipliers"] = result.lr_multipliers
        if self.gradual_unfreeze:
            result.callbacks.append(GradualUnfreeze(net, **self.gradual_unfreeze))
            result.optimize_frozen = True  # the blocks unfrozen later are already in the optimizer
        if self.lora:
            options = dict(self.lora)
            save = options.pop("save")
            report["lora_targets"] = resolve_targets(net, options["target_modules"])
            result.net = apply_lora(net, **options)
            if save != "none":
                result.callbacks.append(SaveLora(save))
        if run_dir is not None and self.changes_the_net():
            (Path(run_dir) / "transfer.json").write_text(json.dumps(report, indent=2))
        return result

    def changes_the_net(self) -> bool:
        return any((self.checkpoint, self.freeze, self.discriminative_lr, self.gradual_unfreeze, self.lora))


class FineTune(Transfer):
    """``transfer=finetune``: every parameter trains from a checkpoint's weights, which it therefore needs."""

    def apply(self, net: nn.Module, run_dir: str | None = None, load_weights: bool = True) -> NetTransform:
        require(
            bool(self.checkpoint),
            "transfer.checkpoint",
            "transfer=finetune needs transfer.checkpoint=<a .ckpt file or a run directory>",
        )
        return super().apply(net, run_dir, load_weights)


def _announce_weights(weights: dict) -> None:
    parts = [f"loaded {len(weights['loaded'])} tensors from {weights['checkpoint']}"]
    for kind in ("new_head", "missing", "unexpected", "shape_mismatch"):
        if weights[kind]:
            parts.append(
                f"{kind.replace('_', ' ')}: {', '.join(weights[kind][:4])}{' ...' if len(weights[kind]) > 4 else ''}"
            )
    console.console.print("transfer: " + "; ".join(parts))

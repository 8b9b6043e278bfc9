"""LoRA through peft on any module: a dlr net, a timm model or a Hugging Face model.

``apply_lora`` is the one entry point (QLoRA reuses it on a quantised net). Targets are module names, each
matching a module's full name or its end (``[query, value]``), one regex matched against full names, or
``all-linear`` (every Linear but the head). They are resolved here to exact names, so a target that matches
nothing fails naming the layers that exist, and peft adapts exactly the layers that were meant.
"""

import copy
import re
from pathlib import Path

import pytorch_lightning as pl
from torch import nn

from dlr.errors import require
from dlr.transfer.blocks import head_params

KEY = "transfer.lora"
ALL_LINEAR = "all-linear"
SAVE_MODES = ("adapter", "merged", "none")


def _adaptable(module: nn.Module) -> dict[str, nn.Module]:
    """The layers LoRA can adapt, by full name."""
    types = (nn.Linear, nn.Embedding, nn.Conv1d, nn.Conv2d, nn.Conv3d)
    return {name: m for name, m in module.named_modules() if name and isinstance(m, types)}


def _head_modules(module: nn.Module) -> list[str]:
    return sorted({name.rsplit(".", 1)[0] for name in head_params(module) if "." in name})


def _describe(names: list[str]) -> str:
    if len(names) <= 12:
        return ", ".join(names)
    short = sorted({n.rsplit(".", 1)[-1] for n in names})
    return f"{', '.join(short[:20])} (full names such as {names[0]}; {len(names)} layers)"


def resolve_targets(module: nn.Module, target_modules: str | list[str]) -> list[str]:
    """The full names of the layers that ``target_modules`` selects; a target matching none is an error."""
    layers = list(_adaptable(module))
    require(
        bool(layers),
        f"{KEY}.target_modules",
        f"{type(module).__name__} has no Linear, Embedding or Conv layer to adapt",
    )
    if target_modules == ALL_LINEAR:
        head = set(_head_modules(module))
        chosen = [n for n in layers if isinstance(module.get_submodule(n), nn.Linear) and n not in head]
        require(
            bool(chosen),
            f"{KEY}.target_modules",
            f"all-linear found no Linear layer besides the head; layers: {_describe(layers)}",
        )
        return chosen
    if isinstance(target_modules, str):
        chosen = [n for n in layers if re.fullmatch(target_modules, n)]
        require(
            bool(chosen),
            f"{KEY}.target_modules",
            f"regex {target_modules!r} matches no layer; layers: {_describe(layers)}",
        )
        return chosen
    chosen = []
    for target in target_modules:
        matched = [n for n in layers if n == target or n.endswith(f".{target}")]
        require(
            bool(matched),
            f"{KEY}.target_modules",
            f"{target!r} matches no layer; layers: {_describe(layers)}",
        )
        chosen += [n for n in matched if n not in chosen]
    return chosen


def apply_lora(
    module: nn.Module,
    target_modules: str | list[str] = ALL_LINEAR,
    r: int = 8,
    alpha: float = 16,
    dropout: float = 0.0,
    train_head: bool = False,
) -> nn.Module:
    """Wrap ``module`` in a peft model whose only trainable parameters are the LoRA factors of the targeted
    layers (r x (in + out) each, for a Linear) and, with ``train_head``, the head (a full trainable copy)."""
    from peft import LoraConfig, get_peft_model

    require(isinstance(r, int) and r >= 1, f"{KEY}.r", f"must be an integer >= 1, got {r}")
    require(alpha > 0, f"{KEY}.alpha", f"must be > 0, got {alpha}")
    require(0.0 <= dropout < 1.0, f"{KEY}.dropout", f"must be in [0, 1), got {dropout}")
    targets = resolve_targets(module, target_modules)
    head = _head_modules(module) if train_head else []
    clash = sorted(set(targets) & set(head))
    require(
        not clash,
        f"{KEY}.target_modules",
        f"{', '.join(clash)} is the head, trained in full by train_head; leave it out",
    )
    exact = "|".join(
        re.escape(name) for name in targets
    )  # peft fullmatches a string target against each name
    config = LoraConfig(
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=f"^(?:{exact})$",
        modules_to_save=head or None,
    )
    return get_peft_model(module, config)


def merge_lora(model: nn.Module) -> nn.Module:
    """A plain copy of the net with the LoRA updates folded into its weights (no adapter at inference)."""
    return copy.deepcopy(model).merge_and_unload()


def save_lora(model: nn.Module, directory: str | Path, mode: str = "adapter") -> Path:
    """``adapter``: the adapter and head weights alone (peft's ``save_pretrained``, MBs); ``merged``: the whole
    net with LoRA merged, as ``merged.safetensors``."""
    from safetensors.torch import save_model

    require(mode in SAVE_MODES[:2], f"{KEY}.save", f"must be one of {', '.join(SAVE_MODES)}, got {mode!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if mode == "adapter":
        model.save_pretrained(str(directory))
        return directory / "adapter_model.safetensors"
    path = directory / "merged.safetensors"
    save_model(merge_lora(model), str(path))
    return path


class SaveLora(pl.Callback):
    """Saves the adapter (or the merged net) under ``<run dir>/lora`` when training ends."""

    def __init__(self, mode: str = "adapter"):
        require(
            mode in SAVE_MODES[:2], f"{KEY}.save", f"must be one of {', '.join(SAVE_MODES)}, got {mode!r}"
        )
        self.mode = mode
        self.path: Path | None = None

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.is_global_zero:
            self.path = save_lora(pl_module.net, Path(trainer.default_root_dir) / "lora", self.mode)

"""The ``transfer=`` group applied to a built task, in a fixed order: load weights, freeze, scale learning
rates, unfreeze gradually, add LoRA. Each config in ``conf/transfer/`` sets one of these; they combine."""

import json
from pathlib import Path

import pytorch_lightning as pl
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.errors import require
from dlr.tasks.base import Task
from dlr.transfer.discriminative import lr_multipliers
from dlr.transfer.finetune import load_pretrained_weights
from dlr.transfer.freeze import freeze
from dlr.transfer.gradual import GradualUnfreeze
from dlr.transfer.lora import ALL_LINEAR, SaveLora, apply_lora, resolve_targets


def _plain(cfg: DictConfig | dict | None) -> dict:
    return OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg or {})


def apply_transfer(
    task: Task, cfg: DictConfig | dict | None, run_dir: str | None = None, load_weights: bool = True
) -> list[pl.Callback]:
    """Apply the transfer config to ``task.net``; return the callbacks it needs. ``load_weights=False`` rebuilds
    the structure only (evaluating a checkpoint of a transfer run, whose own weights are loaded next)."""
    cfg = _plain(cfg)
    report: dict = {"name": cfg.get("name", "none")}
    callbacks: list[pl.Callback] = []
    require(
        cfg.get("name") != "finetune" or bool(cfg.get("checkpoint")),
        "transfer.checkpoint",
        "transfer=finetune needs transfer.checkpoint=<a .ckpt file or a run directory>",
    )
    if cfg.get("checkpoint") and load_weights:
        report["weights"] = load_pretrained_weights(
            task, cfg["checkpoint"], cfg.get("partial", False), cfg.get("reset_head", False)
        )
        _announce_weights(report["weights"])
    if cfg.get("freeze"):
        report["frozen"] = freeze(task.net, **cfg["freeze"])
    if cfg.get("discriminative_lr"):
        task.lr_multipliers = {
            f"net.{name}": m for name, m in lr_multipliers(task.net, **cfg["discriminative_lr"]).items()
        }
        report["lr_multipliers"] = task.lr_multipliers
    if cfg.get("gradual_unfreeze"):
        callbacks.append(GradualUnfreeze(task.net, **cfg["gradual_unfreeze"]))
        task.optimize_frozen = True  # the blocks unfrozen later are already in the optimizer
    if cfg.get("lora"):
        options = dict(cfg["lora"])
        save = options.pop("save", "none")
        report["lora_targets"] = resolve_targets(task.net, options.get("target_modules", ALL_LINEAR))
        task.net = apply_lora(task.net, **options)
        if save != "none":
            callbacks.append(SaveLora(save))
    if run_dir is not None and report["name"] != "none":
        (Path(run_dir) / "transfer.json").write_text(json.dumps(report, indent=2))
    return callbacks


def _announce_weights(weights: dict) -> None:
    parts = [f"loaded {len(weights['loaded'])} tensors from {weights['checkpoint']}"]
    for kind in ("new_head", "missing", "unexpected", "shape_mismatch"):
        if weights[kind]:
            parts.append(
                f"{kind.replace('_', ' ')}: {', '.join(weights[kind][:4])}{' ...' if len(weights[kind]) > 4 else ''}"
            )
    console.console.print("transfer: " + "; ".join(parts))

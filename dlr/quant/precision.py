"""The ``precision=`` group: which Lightning precisions this machine runs, and an eps fp16 can hold."""

import functools
import inspect

import torch
from omegaconf import DictConfig

from dlr import console
from dlr.device import accelerator_type
from dlr.errors import require

PRECISIONS = ("64-true", "32-true", "bf16-mixed", "bf16-true", "16-mixed", "16-true")


def accelerator_of(cfg: DictConfig) -> str:
    """``cpu``, ``cuda``, ``mps`` or ``tpu``: where the Trainer built from ``cfg.trainer`` runs."""
    return accelerator_type(cfg.trainer.accelerator)


def check_precision(cfg: DictConfig) -> str:
    """The precision the run will use; one-line error where the accelerator lacks it, fallbacks printed."""
    precision = str(cfg.trainer.precision or "32-true")  # null: Lightning's own default
    require(
        precision in PRECISIONS, "precision", f"must be one of {', '.join(PRECISIONS)}; got {precision!r}"
    )
    device = accelerator_of(cfg)
    if device == "cuda":
        require(
            torch.cuda.is_available(), "trainer.accelerator", "asks for a GPU but CUDA is not available here"
        )
        require(
            "bf16" not in precision or torch.cuda.is_bf16_supported(),
            "precision",
            f"{precision} needs a GPU with bfloat16 (Ampere or newer); use precision=16-mixed",
        )
    elif device == "cpu" and precision == "16-mixed":
        # Lightning has no fp16 autocast on CPU and switches to bf16-mixed: say so, not only in a warning.
        console.console.print(
            "precision: 16-mixed is not available on CPU; Lightning runs bf16-mixed instead"
        )
        return "bf16-mixed"
    elif device not in ("cpu", "cuda"):
        require(precision != "64-true", "precision", f"64-true is not supported on accelerator={device}")
    return precision


def with_eps(optimizer_factory, eps: float | None):
    """The optimizer partial with ``eps`` raised (fp16 flushes AdamW's 1e-8 to zero and divides by it)."""
    if eps is None or optimizer_factory is None:
        return optimizer_factory
    target = getattr(optimizer_factory, "func", optimizer_factory)
    if "eps" not in inspect.signature(target).parameters:
        return optimizer_factory  # SGD and friends divide by nothing, so there is no eps to protect
    keywords = getattr(optimizer_factory, "keywords", {})
    return functools.partial(target, *getattr(optimizer_factory, "args", ()), **{**keywords, "eps": eps})

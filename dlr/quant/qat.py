"""Quantization-aware training inside a Lightning run: torchao's QAT, prepare -> train -> convert.

``prepare`` swaps each Linear for one that fake-quantizes its weights (and activations) in the forward
pass, so training learns weights that survive rounding; ``convert`` then stores them as real int8/int4.
Prepare happens in ``setup``, before Lightning builds the optimizer, so the optimizer sees the new layers.
"""

import copy

import pytorch_lightning as pl
import torch
from torchao.quantization import Int8DynamicActivationIntxWeightConfig, quantize_
from torchao.quantization.granularity import PerAxis, PerGroup
from torchao.quantization.qat import QATConfig

from dlr.errors import require

WEIGHT_DTYPES = {"int8": torch.int8, "int4": torch.int4}


def qat_base_config(
    weight_dtype: str = "int8", group_size: int | None = None
) -> Int8DynamicActivationIntxWeightConfig:
    """int8 dynamic activations with int8 or int4 weights, per row (``group_size`` null) or per group."""
    require(
        weight_dtype in WEIGHT_DTYPES,
        "quantization.weight_dtype",
        f"must be int8 or int4; got {weight_dtype!r}",
    )
    granularity = PerGroup(group_size) if group_size else PerAxis(0)
    return Int8DynamicActivationIntxWeightConfig(
        weight_dtype=WEIGHT_DTYPES[weight_dtype], weight_granularity=granularity
    )


class QuantizationAwareTraining(pl.Callback):
    """Fake-quantize while fitting, convert when it ends; ``reference`` keeps the net before converting."""

    def __init__(self, weight_dtype: str = "int8", group_size: int | None = None):
        self.base = qat_base_config(weight_dtype, group_size)
        self.reference = None

    def prepare(self, net: torch.nn.Module) -> None:
        quantize_(net, QATConfig(self.base, step="prepare"))

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self.prepare(pl_module.net)

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.reference = copy.deepcopy(pl_module.net)
        quantize_(pl_module.net, QATConfig(self.base, step="convert"))

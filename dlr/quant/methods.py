"""The ``quantization=`` group's methods, each named by ``_target_`` in ``conf/quantization/``.

A method is a transform of the built net before training (QAT's fake-quantizing callback, QLoRA's NF4
base and adapters, bitsandbytes' quantized base) and a report after testing: the net as shipped (quantized)
against its float reference, as metric deltas, sizes on disk and latencies. ``test/*`` keys are always the
metrics of the shipped net; ``reference/test/*`` are the float reference's.
"""

import copy
from typing import TYPE_CHECKING

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torch import nn

from dlr import console
from dlr.config.compose import CONF_DIR
from dlr.errors import ConfigError, require
from dlr.quant import bnb
from dlr.quant.compare import metric_deltas, size_and_latency
from dlr.quant.ptq import PTQ_METHODS, check_quantizable, count_linears, quantize_net
from dlr.records import scalar_metrics
from dlr.transforms import NetTransform

if TYPE_CHECKING:  # torchao: imported by the runs that quantize, not by every run
    from dlr.quant.qat import QuantizationAwareTraining as QATCallback
    from dlr.quant.qlora import MergeQLoRA


def _test(trainer, task, datamodule) -> dict[str, float]:
    return scalar_metrics(trainer.test(task, datamodule=datamodule, verbose=False)[0])


def input_batch(loader, like: nn.Module) -> torch.Tensor:
    """A batch of ``loader``'s inputs in the dtype of ``like``'s float parameters."""
    batch = next(iter(loader))
    inputs = batch[0] if isinstance(batch, (list, tuple)) else batch
    dtype = next(
        (p.dtype for p in like.parameters() if p.is_floating_point() and type(p) is nn.Parameter), None
    )
    return inputs.to(dtype) if dtype is not None and inputs.is_floating_point() else inputs


class Quantization:
    """``quantization=none``: the float net as trained; the base of every method."""

    #: Training converts the net when the fit ends (QAT, QLoRA): the callback that does, once transformed.
    converter: "QATCallback | MergeQLoRA | None" = None
    #: The run's checkpoint holds the float net (none, post-training methods), not a quantized structure.
    checkpoint_is_float = True

    def __init__(self, name: str):
        self.name = name

    def quantizes(self) -> bool:
        return False

    def transform(self, net: nn.Module, device: str) -> NetTransform:
        """Before training: the net to train, with the callbacks and trainer arguments the method needs."""
        return NetTransform(net)

    def rebuild(self, net: nn.Module) -> NetTransform:
        """``eval.py``: the structure a checkpoint of this method's training was saved in."""
        return NetTransform(net)

    def report(self, trainer, task, datamodule, test_metrics: dict, run_dir: str, device: str) -> dict:
        """After testing (``test_metrics``): the quantized net against its float reference."""
        return {}

    def quantize_after_the_fact(
        self, trainer, task, datamodule, test_metrics: dict, run_dir: str, device: str
    ) -> dict:
        """``eval.py quantization=...``: the checkpoint's net quantized now, against its float self."""
        return {}


class PostTraining(Quantization):
    """int8_dynamic, int8_weight_only, int4_weight_only: the trained net quantized after testing it.
    ``group_size`` (int4) and ``backend`` (int8_dynamic) are None for the methods without them."""

    def __init__(self, name: str, group_size: int | None = None, backend: str | None = None):
        super().__init__(name)
        require(name in PTQ_METHODS, "quantization", f"post-training methods are {', '.join(PTQ_METHODS)}")
        self.group_size, self.backend = group_size, backend

    def quantizes(self) -> bool:
        return True

    def transform(self, net: nn.Module, device: str) -> NetTransform:
        check_quantizable(net, self)
        return NetTransform(net)

    def report(self, trainer, task, datamodule, test_metrics: dict, run_dir: str, device: str) -> dict:
        return self.quantize_after_the_fact(trainer, task, datamodule, test_metrics, run_dir, device)

    def quantize_after_the_fact(
        self, trainer, task, datamodule, test_metrics: dict, run_dir: str, device: str
    ) -> dict:
        """``task.net`` quantized in place, tested again and compared with the float net."""
        reference = copy.deepcopy(task.net)
        quantize_net(
            task.net.to(device), self, device
        )  # Lightning hands the net back on the CPU after testing
        quantized_metrics = _test(trainer, task, datamodule)
        batch = input_batch(datamodule.test_dataloader(), reference)
        return {
            **quantized_metrics,
            **metric_deltas(test_metrics, quantized_metrics),
            **count_linears(task.net),
            **size_and_latency(reference, task.net, batch, run_dir, self.name, device),
        }


def shipped_post_training(name: str, **options) -> PostTraining:
    """The method of ``conf/quantization/<name>.yaml``, with ``options`` in place of its own (scripts, tests)."""
    shipped = OmegaConf.load(CONF_DIR / "quantization" / f"{name}.yaml")
    return instantiate(OmegaConf.merge(shipped, options))


class _ConvertedInTraining(Quantization):
    """QAT and QLoRA train a changed net and convert it when the fit ends (their ``converter``)."""

    checkpoint_is_float = False

    def quantizes(self) -> bool:
        return True

    def report(self, trainer, task, datamodule, test_metrics: dict, run_dir: str, device: str) -> dict:
        if self.converter is None or self.converter.reference is None:
            return {}
        return compare_with_reference(
            trainer, task, datamodule, self.converter, self.name, device, test_metrics, run_dir
        )

    def quantize_after_the_fact(self, *args) -> dict:
        raise ConfigError(
            "quantization",
            f"eval.py applies {', '.join(PTQ_METHODS)}; {self.name} happens in training (train.py)",
        )


class QuantizationAware(_ConvertedInTraining):
    """``quantization=qat``: torchao fake-quantizes the net at fit setup and converts it when the fit ends."""

    def __init__(self, name: str, weight_dtype: str, group_size: int | None):
        super().__init__(name)
        self.weight_dtype, self.group_size = weight_dtype, group_size

    def transform(self, net: nn.Module, device: str) -> NetTransform:
        from dlr.quant.qat import QuantizationAwareTraining

        self.converter = QuantizationAwareTraining(self.weight_dtype, self.group_size)
        return NetTransform(net, callbacks=[self.converter])

    def rebuild(self, net: nn.Module) -> NetTransform:
        rebuilt = self.transform(net, "cpu")
        self.converter.prepare(net)  # training fake-quantized the net at fit setup
        return rebuilt


class QLoRA(_ConvertedInTraining):
    """``quantization=qlora``: an NF4 base with LoRA adapters of rank ``r``, merged when the fit ends."""

    def __init__(self, name: str, r: int, alpha: float):
        super().__init__(name)
        self.r, self.alpha = r, alpha

    def transform(self, net: nn.Module, device: str) -> NetTransform:
        from dlr.quant.qlora import MergeQLoRA, apply_qlora

        require(
            not any(hasattr(m, "base_layer") for m in net.modules()),
            "quantization",
            "qlora adds its own LoRA; drop transfer's lora",
        )
        adapted, kept = apply_qlora(net, int(self.r), float(self.alpha))
        if kept:
            console.console.print(f"qlora: kept float (no NF4 block size fits): {', '.join(kept)}")
        self.converter = MergeQLoRA()
        return NetTransform(adapted, callbacks=[self.converter])

    def rebuild(self, net: nn.Module) -> NetTransform:
        return self.transform(net, "cpu")


class Bitsandbytes(Quantization):
    """``quantization=bnb``: every Linear but the head frozen as a bitsandbytes layer (``dlr.quant.bnb``).

    Before training the base is quantized and the float head trains; ``eval.py`` rebuilds the layers a
    checkpoint was saved in, or quantizes a float checkpoint's base after the fact."""

    checkpoint_is_float = False

    def __init__(self, name: str, mode: str, dtype: str | None):
        super().__init__(name)
        bnb.compute_dtype(mode, dtype, "cpu")  # a bad mode or dtype fails here, before anything is built
        self.mode, self.dtype = mode, dtype

    def quantizes(self) -> bool:
        return True

    def transform(self, net: nn.Module, device: str) -> NetTransform:
        bnb.quantize_base(net, self.mode, self.dtype, device)
        return NetTransform(net)

    def rebuild(self, net: nn.Module) -> NetTransform:
        # Quantized on the CPU, then loaded from the checkpoint; the trainer moves it where it tests.
        return self.transform(net, "cpu")

    def quantize_after_the_fact(
        self, trainer, task, datamodule, test_metrics: dict, run_dir: str, device: str
    ) -> dict:
        reference = copy.deepcopy(task.net)
        bnb.quantize_base(task.net.to(device), self.mode, self.dtype, device)
        quantized_metrics = _test(trainer, task, datamodule)
        batch = input_batch(datamodule.test_dataloader(), reference)
        return {
            **quantized_metrics,
            **metric_deltas(test_metrics, quantized_metrics),
            **size_and_latency(reference, task.net, batch, run_dir, self.name, device),
        }


def compare_with_reference(
    trainer, task, datamodule, converter, name: str, device: str, test_metrics: dict, run_dir: str
) -> dict:
    """The converted net (tested already) against the net it was trained as: deltas, sizes, latencies.

    The task is tested with the reference net in its place and handed back with the converted one."""
    converted = task.net
    with task.net_replaced_by(converter.reference):
        reference_metrics = _test(trainer, task, datamodule)
    batch = input_batch(datamodule.test_dataloader(), converter.reference)
    return {
        **metric_deltas(reference_metrics, test_metrics),
        **size_and_latency(converter.reference, converted, batch, run_dir, name, device),
    }

"""What ``precision=`` and ``quantization=`` add to one run, in the order the run needs it.

Before training: check the precision against the accelerator, raise the optimizer's eps where fp16 needs it,
set up QAT / QLoRA / the bitsandbytes plugin, and print the memory estimate. After testing: quantize
(post-training methods) or take the net before its conversion (QAT, QLoRA) as the reference, and report
the test-metric delta, the size on disk and the latency of both. ``test/*`` keys are always the metrics of
the net as it is shipped (the quantized one); ``reference/test/*`` are the float reference's.
"""

import copy
from typing import TYPE_CHECKING

import torch
from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.errors import require
from dlr.quant import bnb, memory
from dlr.quant.compare import metric_deltas, size_and_latency
from dlr.quant.precision import accelerator_of, check_precision, with_eps
from dlr.quant.ptq import PTQ_METHODS, check_quantizable, count_linears, quantize_net
from dlr.records import scalar_metrics

if TYPE_CHECKING:  # torchao: imported by the runs that quantize, not by every run
    from dlr.quant.qat import QuantizationAwareTraining
    from dlr.quant.qlora import MergeQLoRA

METHODS = ("none", *PTQ_METHODS, "qat", "qlora", "bnb")
#: What eval.py can apply to a float checkpoint: bnb quantizes its base as it would before training.
POST_TRAINING = (*PTQ_METHODS, "bnb")
#: Runs whose checkpoint holds a changed net, which eval.py rebuilds and does not quantize again.
TRAINED_QUANTIZED = ("qat", "qlora", "bnb")


def _test(trainer, task, datamodule) -> dict[str, float]:
    return scalar_metrics(trainer.test(task, datamodule=datamodule, verbose=False)[0])


def _input_batch(loader, like: torch.nn.Module) -> torch.Tensor:
    batch = next(iter(loader))
    inputs = batch[0] if isinstance(batch, (list, tuple)) else batch
    dtype = next(
        (p.dtype for p in like.parameters() if p.is_floating_point() and type(p) is torch.nn.Parameter), None
    )
    return inputs.to(dtype) if dtype is not None and inputs.is_floating_point() else inputs


def quantize_and_compare(
    trainer, task, datamodule, spec: DictConfig, device: str, float_metrics: dict, run_dir: str
) -> dict:
    """Post-training quantization of ``task.net`` in place, tested again and compared with the float net."""
    reference = copy.deepcopy(task.net)
    task.net.to(device)  # Lightning hands the net back on the CPU after testing
    if spec.name == "bnb":
        bnb.quantize_base(task.net, spec.mode, spec.dtype, device)
    else:
        quantize_net(task.net, spec, device)
    quantized_metrics = _test(trainer, task, datamodule)
    batch = _input_batch(datamodule.test_dataloader(), reference)
    report = {
        **quantized_metrics,
        **metric_deltas(float_metrics, quantized_metrics),
        **count_linears(task.net),
    }
    return {**report, **size_and_latency(reference, task.net, batch, run_dir, spec.name, device)}


def evaluate_quantized(cfg: DictConfig, trainer, task, datamodule, float_metrics: dict, run_dir: str) -> dict:
    """``eval.py quantization=...``: the checkpoint's net quantized after the fact, against its float self."""
    spec = cfg.get("quantization")
    if spec is None or spec.name == "none":
        return {}
    require(
        spec.name in POST_TRAINING,
        "quantization",
        f"eval.py applies {', '.join(POST_TRAINING)}; {spec.name} happens in training (train.py)",
    )
    return quantize_and_compare(trainer, task, datamodule, spec, accelerator_of(cfg), float_metrics, run_dir)


def training_converter(spec: DictConfig, task) -> "QuantizationAwareTraining | MergeQLoRA | None":
    """QAT and QLoRA train a changed net and convert it when the fit ends: the callback that converts it.

    QLoRA's NF4 base and adapters are put on ``task.net`` here; QAT's fake-quantized layers at fit setup.
    """
    if spec.name == "qat":
        from dlr.quant.qat import QuantizationAwareTraining

        return QuantizationAwareTraining(spec.get("weight_dtype", "int8"), spec.get("group_size"))
    if spec.name == "qlora":
        from dlr.quant.qlora import MergeQLoRA, apply_qlora

        task.net, kept = apply_qlora(task.net, int(spec.get("r", 8)), float(spec.get("alpha", 16)))
        if kept:
            console.console.print(f"qlora: kept float (no NF4 block size fits): {', '.join(kept)}")
        return MergeQLoRA()
    return None


def compare_with_reference(
    trainer, task, datamodule, converter, name: str, device: str, test_metrics: dict, run_dir: str
) -> dict:
    """The converted net (tested already) against the net it was trained as: deltas, sizes, latencies."""
    converted, task.net = task.net, converter.reference
    reference_metrics = _test(trainer, task, datamodule)
    task.net = converted
    batch = _input_batch(datamodule.test_dataloader(), converter.reference)
    return {
        **metric_deltas(reference_metrics, test_metrics),
        **size_and_latency(converter.reference, converted, batch, run_dir, name, device),
    }


def rebuild_trained_quantization(
    run_cfg: DictConfig, task, device: str
) -> "QuantizationAwareTraining | MergeQLoRA | None":
    """``eval.py`` on a QAT / QLoRA / bnb run: give ``task.net`` the structure its checkpoint was saved in
    (bnb's layers on ``device``), and return the converter that training applied when its fit ended (None
    for other runs)."""
    spec = run_cfg.get("quantization") or OmegaConf.create({"name": "none"})
    converter = training_converter(spec, task)
    if spec.name == "qat":  # training fake-quantized the net at fit setup
        converter.prepare(task.net)
    if spec.name == "bnb":  # the checkpoint's packed weights are loaded into these layers
        bnb.quantize_base(task.net, spec.mode, spec.dtype, device)
    return converter


class QuantPlan:
    def __init__(self, cfg: DictConfig, task, datamodule):
        self.precision = check_precision(cfg)
        self.device = accelerator_of(cfg)
        self.spec = cfg.get("quantization") or OmegaConf.create({"name": "none"})
        name = self.spec.name
        require(name in METHODS, "quantization", f"must be one of {', '.join(METHODS)}; got {name!r}")
        task.optimizer_factory = with_eps(
            task.optimizer_factory, (cfg.get("precision") or {}).get("optimizer_eps")
        )
        self.monitor = memory.MemoryMonitor()
        self.converter = None
        if name == "qlora":
            require(
                not (cfg.get("transfer") or {}).get("lora"),
                "quantization",
                "qlora adds its own LoRA; drop transfer's lora",
            )
        self.converter = training_converter(self.spec, task)
        if name in PTQ_METHODS:
            check_quantizable(task.net, self.spec)
        if name == "bnb":  # the frozen quantized base under a head that trains
            bnb.quantize_base(task.net, self.spec.mode, self.spec.dtype, self.device)
        self.callbacks = [self.monitor] + ([self.converter] if self.converter else [])
        batch = _input_batch(datamodule.train_dataloader(), task.net)
        self.estimate = memory.estimate(task, task.optimizer_factory, self.precision, batch)
        parts = ", ".join(f"{k} {memory.human(v)}" for k, v in self.estimate.items())
        console.console.print(f"memory estimate ({self.precision}, quantization={name}): {parts}")

    def estimate_metrics(self) -> dict[str, float]:
        return {f"memory/estimate/{k}_bytes": float(v) for k, v in self.estimate.items() if v is not None}

    def log_estimate(self, trainer) -> None:
        for logger in trainer.loggers:
            logger.log_metrics(self.estimate_metrics(), step=0)

    def finish(self, trainer, task, datamodule, test_metrics: dict, run_dir: str) -> dict[str, float]:
        """After testing: the quantization report and the measured memory, as metrics for metrics.json."""
        out = self.estimate_metrics()
        tested = any(key.startswith("test/") for key in test_metrics)
        if self.spec.name in PTQ_METHODS and tested:
            out.update(
                quantize_and_compare(trainer, task, datamodule, self.spec, self.device, test_metrics, run_dir)
            )
        elif self.converter is not None and self.converter.reference is not None and tested:
            out.update(
                compare_with_reference(
                    trainer,
                    task,
                    datamodule,
                    self.converter,
                    self.spec.name,
                    self.device,
                    test_metrics,
                    run_dir,
                )
            )
        measured = {f"memory/measured/{k}_bytes": float(v) for k, v in self.monitor.measured.items()}
        if measured:
            console.console.print(
                "memory measured: "
                + ", ".join(f"{k} {memory.human(v)}" for k, v in self.monitor.measured.items())
            )
        return {**out, **measured}

"""Memory: an estimate before training (params, gradients, optimizer state, activations), the measured peak.

Byte counts are exact for tensors that exist: a quantized tensor subclass (NF4, int8, 8-bit optimizer
state) reports its *logical* dtype (often float32), so it is measured by the plain tensors it stores.
The optimizer state is estimated exactly and without allocating anything: the run's own optimizer takes
one step on ``meta`` copies of the trainable parameters, and its state is measured like any tensor.
"""

import resource
import sys
from collections.abc import Callable, Iterable

import pytorch_lightning as pl
import torch
from torch import nn

#: Bits a number takes in each storage type; int8 and int4 leave out their scales (a few percent more).
BITS = {"fp64": 64, "fp32": 32, "bf16": 16, "fp16": 16, "int8": 8, "int4": 4}
#: Parameter dtype under each Lightning precision (mixed precision keeps fp32 weights, casts activations).
PARAM_DTYPE = {"64-true": torch.float64, "bf16-true": torch.bfloat16, "16-true": torch.float16}
ACTIVATION_DTYPE = {**PARAM_DTYPE, "bf16-mixed": torch.bfloat16, "16-mixed": torch.float16}


def training_bytes(params: float, dtype: str) -> dict[str, float]:
    """The course's arithmetic, every tensor in ``dtype``: the weights, a gradient per weight, AdamW's two
    moments per weight (220e9 parameters in fp32: 880 GB of weights, 3.52 TB to train)."""
    weights = params * BITS[dtype] / 8
    return {"weights": weights, "grads": weights, "adam_states": 2 * weights, "training_total": 4 * weights}


def tensor_bytes(value) -> int:
    """Bytes a tensor stores: plain tensors by numel x element size, subclasses by their inner tensors."""
    if value is None:
        return 0
    if isinstance(value, (list, tuple)):
        return sum(tensor_bytes(v) for v in value)
    if not isinstance(value, torch.Tensor):
        return 0
    if type(value) not in (torch.Tensor, nn.Parameter) and hasattr(value, "__tensor_flatten__"):
        names, _ = value.__tensor_flatten__()
        return sum(tensor_bytes(getattr(value, name)) for name in names)
    if value.is_quantized:  # torch's own qint8 tensors: int8 values plus their scales and zero points
        return value.numel() * value.element_size() + _quantization_parameter_bytes(value)
    return value.numel() * value.element_size()


def _quantization_parameter_bytes(value: torch.Tensor) -> int:
    if value.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
        return tensor_bytes(value.q_per_channel_scales()) + tensor_bytes(value.q_per_channel_zero_points())
    return 8 + 8  # one float64 scale and one int64 zero point


def optimizer_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    return sum(tensor_bytes(v) for state in optimizer.state.values() for v in state.values())


def trainable(module: nn.Module) -> list[nn.Parameter]:
    return [p for p in module.parameters() if p.requires_grad]


def estimate_optimizer_state(
    factory: Callable[[Iterable], torch.optim.Optimizer], params: list, dtype
) -> int | None:
    """Exact optimizer-state bytes after one step on meta tensors; None where the optimizer cannot."""
    ghosts = []
    for p in params:
        ghost = torch.zeros(p.shape, dtype=dtype or p.dtype, device="meta", requires_grad=True)
        ghost.grad = torch.zeros_like(ghost)
        ghosts.append(ghost)
    try:
        optimizer = factory(ghosts)
        optimizer.step()
    except Exception:  # e.g. bitsandbytes kernels have no meta implementation
        return None
    return optimizer_state_bytes(optimizer)


def activation_bytes(net: nn.Module, batch: torch.Tensor, dtype: torch.dtype | None) -> int | None:
    """Bytes of every leaf module's output for one batch: what backward keeps, to within the small extras.

    None when the net does not take the data batch as its input (a generator fed with codes, say).
    """
    total = 0

    def count(_module, _inputs, output):
        nonlocal total
        for out in output if isinstance(output, (tuple, list)) else (output,):
            if isinstance(out, torch.Tensor):
                total += out.numel() * (
                    torch.finfo(dtype).bits // 8 if dtype and out.is_floating_point() else out.element_size()
                )

    leaves = [m for m in net.modules() if not list(m.children())]
    handles = [m.register_forward_hook(count) for m in leaves]
    try:
        with torch.no_grad():
            net(batch)
    except (RuntimeError, ValueError, TypeError, IndexError):
        return None
    finally:
        for handle in handles:
            handle.remove()
    return total


def estimate(
    task: nn.Module, optimizer_factory, precision: str, batch: torch.Tensor | None
) -> dict[str, int | None]:
    """Before training: bytes of params, gradients, optimizer state and activations under ``precision``."""
    dtype = PARAM_DTYPE.get(str(precision))
    scale = (lambda p: p.numel() * torch.finfo(dtype).bits // 8) if dtype else tensor_bytes
    params = sum(
        scale(p) if p.is_floating_point() and type(p) is nn.Parameter else tensor_bytes(p)
        for p in task.parameters()
    )
    grads = sum(scale(p) for p in trainable(task))
    state = estimate_optimizer_state(optimizer_factory, trainable(task), dtype) if optimizer_factory else 0
    acts = (
        activation_bytes(task.net, batch, ACTIVATION_DTYPE.get(str(precision))) if batch is not None else None
    )
    parts = {"params": params, "grads": grads, "optimizer_state": state, "activations": acts}
    return {**parts, "total": sum(v for v in parts.values() if v is not None)}


def measure(task: nn.Module, optimizer: torch.optim.Optimizer | None) -> dict[str, int]:
    """Exact bytes of the tensors that exist now."""
    grads = sum(tensor_bytes(p.grad) for p in task.parameters())
    return {
        "params": sum(tensor_bytes(p) for p in task.parameters()),
        "grads": grads,
        "optimizer_state": optimizer_state_bytes(optimizer) if optimizer else 0,
    }


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def human(n_bytes: float | None) -> str:
    if n_bytes is None:
        return "n/a"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n_bytes) < 1000 or unit == "TB":
            return f"{n_bytes:.1f} {unit}" if unit != "B" else f"{int(n_bytes)} B"
        n_bytes /= 1000
    return ""


class MemoryMonitor(pl.Callback):
    """Measures the real tensors after the first optimizer step, and the process's peak at the end of fit."""

    def __init__(self):
        self.measured: dict[str, int] = {}

    def on_fit_start(self, trainer, pl_module):
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if not self.measured:
            self.measured = measure(pl_module, trainer.optimizers[0] if trainer.optimizers else None)

    def on_fit_end(self, trainer, pl_module):
        self.measured["peak_rss"] = peak_rss_bytes()
        if torch.cuda.is_available():
            self.measured["peak_cuda_allocated"] = torch.cuda.max_memory_allocated()
        if trainer.world_size > 1:
            self.record_every_rank(trainer)

    def record_every_rank(self, trainer) -> None:
        """Every rank's peaks, gathered into rank 0's callback metrics: the record is written by rank 0 only
        (and, with spawned ranks, by the launching process, which gets those metrics back)."""
        for name in ("peak_rss", "peak_cuda_allocated"):
            if name in self.measured:
                mine = torch.tensor(float(self.measured[name]), device=trainer.strategy.root_device)
                peaks = trainer.strategy.all_gather(mine).reshape(-1)
                for rank, peak in enumerate(peaks.tolist()):
                    trainer.callback_metrics[f"memory/measured/rank{rank}/{name}_bytes"] = torch.tensor(peak)

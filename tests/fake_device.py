"""A stand-in accelerator for CPU-only machines: tensors that say they live on another device.

``FakeDeviceTensor`` wraps a real CPU tensor but reports ``device == meta``, so code that asks a tensor or
a module for its device (``device=x.device``, ``self.device``, ``zeros_like``) gets the stand-in device,
while code that forgets (``torch.zeros(n)``, ``torch.Generator()``) gets the CPU. Inside ``FakeAccelerator``
every op runs for real on the wrapped CPU data, so data-dependent code (``item()``, ``bincount``, solves)
still works, and the mode records each place where CUDA would have raised:

- an op that mixes stand-in tensors with CPU tensors of one or more dimensions (CUDA accepts CPU
  0-dim tensors as scalars, CPU index tensors, and ``copy_`` across devices; so does this check);
- a random op drawing stand-in values from a CPU ``torch.Generator``.

Each finding names the first frame inside ``dlr/`` that made the call.
"""

import traceback
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

DEVICE = torch.device("meta")
DLR = str(Path(__file__).resolve().parents[1] / "dlr")
aten = torch.ops.aten
# Ops that CUDA runs with tensors on different devices (a copy, indices that stay on the CPU).
CROSS_DEVICE = {
    aten.copy_.default,
    aten._to_copy.default,
    aten._copy_from.default,
    aten.set_.source_Tensor,
    aten._has_compatible_shallow_copy_type.default,  # a metadata query by Module.to
}
INDEX_OPS = {
    aten.index.Tensor,
    aten.index_put.default,
    aten.index_put_.default,
    aten._index_put_impl_.default,
}


class FakeDeviceTensor(torch.Tensor):
    @staticmethod
    def __new__(cls, data: torch.Tensor):
        wrapper = torch.Tensor._make_wrapper_subclass(
            cls,
            data.shape,
            strides=data.stride(),
            storage_offset=data.storage_offset(),
            dtype=data.dtype,
            device=DEVICE,
            requires_grad=data.requires_grad,
        )
        wrapper.cpu_data = data
        return wrapper

    __torch_function__ = torch._C._disabled_torch_function_impl

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        raise RuntimeError(f"{func} on a FakeDeviceTensor outside FakeAccelerator")

    def __repr__(self) -> str:
        return f"FakeDeviceTensor({self.cpu_data!r})"


def _unwrap(value):
    return value.cpu_data if isinstance(value, FakeDeviceTensor) else value


def _wrap(value):
    if isinstance(value, torch.Tensor) and not isinstance(value, FakeDeviceTensor):
        return FakeDeviceTensor(value)
    return value


def _caller() -> str:
    """``path:line`` of the innermost dlr frame, where the offending tensor was created or mixed."""
    for frame in reversed(traceback.extract_stack()):
        if frame.filename.startswith(DLR):
            return f"{Path(frame.filename).relative_to(Path(DLR).parent)}:{frame.lineno}: {frame.line}"
    return "outside dlr"


class FakeAccelerator(TorchDispatchMode):
    """Runs ops on the wrapped CPU data and collects, in ``findings``, what CUDA would have refused."""

    def __init__(self):
        super().__init__()
        self.findings: list[str] = []

    def _flag(self, func, reason: str) -> None:
        finding = f"{_caller()}  [{func.__name__}: {reason}]"
        if finding not in self.findings:
            self.findings.append(finding)

    def _check_devices(self, func, args, kwargs) -> bool:
        """Whether the op meets a stand-in tensor; flags CPU operands CUDA would refuse next to one."""
        checked = args[:1] + args[2:] if func in INDEX_OPS else args  # index tensors may stay on the CPU
        flat, _ = tree_flatten((checked, kwargs))
        every, _ = tree_flatten((args, kwargs))
        on_device = any(isinstance(t, FakeDeviceTensor) for t in every)
        if on_device and func not in CROSS_DEVICE:
            cpu = [t for t in flat if isinstance(t, torch.Tensor) and not isinstance(t, FakeDeviceTensor)]
            if any(t.dim() > 0 for t in cpu):
                self._flag(func, "CPU tensor mixed with device tensors")
        return on_device

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        on_device = self._check_devices(func, args, kwargs)
        named = [a for a in (*args, kwargs.get("device")) if isinstance(a, torch.device)]
        if named:
            # a factory or a copy names its device: the stand-in one creates CPU data to wrap
            on_device = named[0].type == DEVICE.type
            args = tuple(torch.device("cpu") if isinstance(a, torch.device) else a for a in args)
            if "device" in kwargs:
                kwargs["device"] = torch.device("cpu")
        generator = kwargs.get("generator")
        if on_device and generator is not None and generator.device.type != DEVICE.type:
            self._flag(func, "CPU generator draws device values")
        out = func(*tree_map(_unwrap, args), **tree_map(_unwrap, kwargs))
        if on_device and _mutates_first_argument(func) and isinstance(args[0], FakeDeviceTensor):
            if torch.Tag.inplace_view in func.tags:  # transpose_, unsqueeze_, ...: the wrapper's shape too
                with torch._C._ExcludeDispatchKeyGuard(torch._C.DispatchKeySet(torch._C.DispatchKey.Python)):
                    func(*args, **kwargs)
            return args[0]
        return tree_map(_wrap, out) if on_device else out


def _mutates_first_argument(func) -> bool:
    returns = func._schema.returns
    return len(returns) == 1 and returns[0].alias_info is not None and returns[0].alias_info.is_write


class DataConstructors(TorchFunctionMode):
    """``torch.tensor(data, device=...)`` and ``x.new_tensor(data)`` move their data below the dispatcher,
    out of the accelerator's sight; built on the CPU and then moved, it reaches ``FakeAccelerator`` as a copy."""

    CONSTRUCTORS = (torch.tensor, torch.as_tensor, torch.asarray)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if func is torch.Tensor.new_tensor and isinstance(args[0], FakeDeviceTensor):
            dtype, device = kwargs.get("dtype", args[0].dtype), kwargs.get("device", args[0].device)
            return torch.tensor(args[1], dtype=dtype).to(device)
        device = kwargs.get("device")
        if func in self.CONSTRUCTORS and device is not None and torch.device(device).type == DEVICE.type:
            kwargs["device"] = torch.device("cpu")
            return func(*args, **kwargs).to(DEVICE)
        return func(*args, **kwargs)


class MoveToFakeDevice(pl.Callback):
    """Moves the task to the stand-in device once Lightning has placed it, and each batch after it."""

    def _move(self, pl_module: pl.LightningModule) -> None:
        swapping = torch.__future__.get_swap_module_params_on_conversion()
        # swap in place, so the optimizer Lightning already built keeps pointing at the parameters
        torch.__future__.set_swap_module_params_on_conversion(True)
        try:
            pl_module.to(DEVICE)
        finally:
            torch.__future__.set_swap_module_params_on_conversion(swapping)
        pl_module.transfer_batch_to_device = lambda batch, device, index: tree_map(_to_device, batch)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._move(pl_module)

    def on_test_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._move(pl_module)


def _to_device(value):
    return value.to(DEVICE) if isinstance(value, torch.Tensor) else value

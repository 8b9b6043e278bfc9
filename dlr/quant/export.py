"""Quantized nets to and from safetensors, which holds only plain tensors.

Saving takes every tensor apart into the plain tensors it stores: a torchao subclass (int8, NF4, ...) into
its inner tensors, a torch ``qint8`` tensor into its int8 values, scales and zero points. Loading needs a
*template*: the same architecture with the same quantization applied, which supplies the structure (tensor
classes and their metadata) while the file supplies every value. So the file stays pickle-free.
"""

import json
from pathlib import Path

import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only
from safetensors.torch import load_file
from safetensors.torch import save as serialize
from torch import nn

PER_CHANNEL = (torch.per_channel_affine, torch.per_channel_symmetric)


def _is_subclass(value: torch.Tensor) -> bool:
    return type(value) not in (torch.Tensor, nn.Parameter) and hasattr(value, "__tensor_flatten__")


def _flatten(key: str, value, out: dict[str, torch.Tensor]) -> None:
    if isinstance(value, (tuple, list)):  # torch.ao's packed (weight, bias)
        for index, item in enumerate(value):
            _flatten(f"{key}.{index}", item, out)
    elif not isinstance(value, torch.Tensor):
        return  # None, or a dtype stored next to packed params: the template has it
    elif value.is_quantized:
        out[f"{key}.int_repr"] = value.int_repr()
        if value.qscheme() in PER_CHANNEL:
            out[f"{key}.scales"] = value.q_per_channel_scales()
            out[f"{key}.zero_points"] = value.q_per_channel_zero_points()
        else:
            out[f"{key}.scales"] = torch.tensor([value.q_scale()], dtype=torch.float64)
            out[f"{key}.zero_points"] = torch.tensor([value.q_zero_point()])
    elif _is_subclass(value):
        for name in value.__tensor_flatten__()[0]:
            _flatten(f"{key}.{name}", getattr(value, name), out)
    else:
        out[key] = value.detach()


def _rebuild(key: str, template, tensors: dict[str, torch.Tensor]):
    if isinstance(template, (tuple, list)):
        return type(template)(
            _rebuild(f"{key}.{index}", item, tensors) for index, item in enumerate(template)
        )
    if not isinstance(template, torch.Tensor):
        return template
    if template.is_quantized:
        values, scales, zeros = (tensors[f"{key}.{part}"] for part in ("int_repr", "scales", "zero_points"))
        if template.qscheme() in PER_CHANNEL:
            return torch._make_per_channel_quantized_tensor(
                values, scales, zeros, template.q_per_channel_axis()
            )
        return torch._make_per_tensor_quantized_tensor(values, scales.item(), int(zeros.item()))
    if _is_subclass(template):
        names, context = template.__tensor_flatten__()
        inner = {name: _rebuild(f"{key}.{name}", getattr(template, name), tensors) for name in names}
        return type(template).__tensor_unflatten__(inner, context, template.size(), template.stride())
    return tensors[key]


def plain_tensors(module: nn.Module) -> dict[str, torch.Tensor]:
    """The module's state as plain, contiguous, unshared tensors, ready for safetensors."""
    out: dict[str, torch.Tensor] = {}
    for key, value in module.state_dict().items():
        _flatten(key, value, out)
    return {key: value.contiguous().clone() for key, value in out.items()}


def save(module: nn.Module, path: str | Path, description: dict | None = None) -> int:
    """Write ``module`` as safetensors; returns the file's size in bytes. Under DDP every rank measures the
    size, and global rank 0 alone writes the file."""
    data = serialize(plain_tensors(module), metadata={"dlr": json.dumps(description or {})})
    if rank_zero_only.rank == 0:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return len(data)


def load(template: nn.Module, path: str | Path) -> nn.Module:
    """Fill ``template`` (same net, same quantization) with the values saved at ``path``."""
    tensors = load_file(str(path))
    state = template.state_dict()  # keeps ``_metadata``: torch.ao's modules read their format version from it
    for key, value in state.items():
        state[key] = _rebuild(key, value, tensors)
    template.load_state_dict(state, assign=True)
    return template

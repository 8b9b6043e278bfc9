"""Post-training quantization of a trained net's ``nn.Linear`` layers, in place.

- ``int8_dynamic``: int8 weights (per row) and activations quantized per token at run time. Backend
  ``torchao`` (``Int8DynamicActivationInt8WeightConfig``) or ``fbgemm`` (``torch.ao``'s x86 int8 kernels,
  which are the fast ones on CPUs without AVX512-VNNI/AMX).
- ``int8_weight_only``: int8 weights, float activations (torchao).
- ``int4_weight_only``: 4-bit grouped weights. CUDA: torchao's tinygemm layout, which computes in bf16 and
  needs whole groups of input columns; a layer it cannot group keeps its float weights, and the net keeps
  its dtype around each bf16 layer (``ComputeIn``). CPU: PyTorch's own int4 kernel (``Int4CpuLinear``,
  which pads to whole groups). Elsewhere a one-line error.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.quant.int4_cpu import Int4CpuLinear, cpu_kernel_available

PTQ_METHODS = ("int8_dynamic", "int8_weight_only", "int4_weight_only")
BACKENDS = ("torchao", "fbgemm")


def _replace_linears(module: nn.Module, make) -> None:
    for name, child in module.named_children():
        if type(child) is nn.Linear:
            setattr(module, name, make(child))
        else:
            _replace_linears(child, make)


class ComputeIn(nn.Module):
    """One layer computed in ``dtype`` inside a net of another dtype: the input cast in, the output back."""

    def __init__(self, layer: nn.Module, dtype: torch.dtype):
        super().__init__()
        self.layer, self.dtype = layer, dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x.to(self.dtype)).to(x.dtype)


def _tinygemm_int4(linear: nn.Linear, group_size: int) -> nn.Module:
    from torchao.quantization import Int4WeightOnlyConfig, quantize_

    holder = nn.Sequential(linear.to(torch.bfloat16))  # tinygemm's int4 kernel takes bf16 activations only
    quantize_(holder, Int4WeightOnlyConfig(group_size=group_size, int4_packing_format="tile_packed_to_4d"))
    return ComputeIn(holder[0], torch.bfloat16)


def int4_linears(net: nn.Module, group_size: int, make, whole_groups_only: bool) -> nn.Module:
    """Each ``nn.Linear`` replaced by ``make(linear)``; with ``whole_groups_only``, a layer whose inputs do
    not split into groups of ``group_size`` stays as it is, in the net's dtype (counted as float)."""

    def convert(linear: nn.Linear) -> nn.Module:
        return linear if whole_groups_only and linear.in_features % group_size else make(linear)

    _replace_linears(net, convert)
    return net


def _int4(net: nn.Module, group_size: int, device: str) -> nn.Module:
    if device == "cuda":
        return int4_linears(net, group_size, lambda linear: _tinygemm_int4(linear, group_size), True)
    require(
        device == "cpu" and cpu_kernel_available(),
        "quantization",
        f"int4_weight_only has no kernel on {device} in this torch/torchao; use int8_weight_only or qlora",
    )
    return int4_linears(net, group_size, lambda linear: Int4CpuLinear.from_linear(linear, group_size), False)


def count_linears(net: nn.Module) -> dict[str, int]:
    """How many linear layers were quantized and how many kept float weights (stated, never silent)."""
    kept = sum(1 for m in net.modules() if type(m) is nn.Linear and type(m.weight) is nn.Parameter)
    plain_linear = (nn.Linear, torch.ao.nn.quantized.dynamic.Linear, Int4CpuLinear)
    total = sum(1 for m in net.modules() if isinstance(m, plain_linear))
    return {"quantization/quantized_linears": total - kept, "quantization/float_linears": kept}


def check_quantizable(net: nn.Module, spec) -> None:
    """Refuse, before training, a quantization that would find nothing to quantize or crash on the net."""
    linears = sum(1 for m in net.modules() if type(m) is nn.Linear)
    require(
        linears > 0, "quantization", f"{spec.name} quantizes nn.Linear layers; {type(net).__name__} has none"
    )
    # peft's LoRA layers read their base layer's weight dtype, which torch.ao's packed Linear lacks.
    lora = any(hasattr(m, "base_layer") for m in net.modules())
    fbgemm = spec.backend == "fbgemm"
    require(
        not (lora and fbgemm),
        "quantization.backend",
        "fbgemm cannot quantize LoRA-wrapped layers; use backend=torchao",
    )


def quantize_net(net: nn.Module, spec, device: str = "cpu") -> nn.Module:
    """Quantize ``net`` (a float, trained, eval-mode net) as ``spec`` (a ``dlr.quant.methods.PostTraining``:
    ``name``, ``group_size``, ``backend``) says."""
    method = spec.name
    require(
        method in PTQ_METHODS,
        "quantization",
        f"post-training methods are {', '.join(PTQ_METHODS)}; got {method!r}",
    )
    linears = sum(1 for m in net.modules() if type(m) is nn.Linear)
    require(
        linears > 0, "quantization", f"{method} quantizes nn.Linear layers; {type(net).__name__} has none"
    )
    # torchao is imported here, by the runs that quantize, not by every run that imports this module.
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, Int8WeightOnlyConfig, quantize_

    net.eval()
    if method == "int4_weight_only":
        return _int4(net, int(spec.group_size), device)
    if method == "int8_weight_only":
        quantize_(net, Int8WeightOnlyConfig())
        return net
    backend = spec.backend
    require(
        backend in BACKENDS, "quantization.backend", f"must be one of {', '.join(BACKENDS)}; got {backend!r}"
    )
    if backend == "fbgemm":
        require(
            device == "cpu", "quantization.backend", "fbgemm runs on CPU only; use backend=torchao on GPU"
        )
        return torch.ao.quantization.quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8, inplace=True)
    quantize_(net, Int8DynamicActivationInt8WeightConfig())
    return net

"""``quantization=bnb``: every Linear but the head frozen as a bitsandbytes layer (4-bit NF4/FP4, or LLM.int8()).

The float head trains over the frozen quantized base: a QLoRA-style fine-tune when the net was loaded with
``transfer=finetune``, or post-training quantization when ``eval.py quantization=bnb`` tests a float
checkpoint.

Why bitsandbytes' own modules and not Lightning's ``BitsandbytesPrecision``: the plugin's layers quantize on
CUDA only (their ``quantize`` raises for any other device) and its load hook re-quantizes float weights but
cannot restore a saved 4-bit state, so a checkpoint would not load. bitsandbytes itself quantizes on every
backend it ships (CUDA, and CPU since 0.45; checked with 0.50.2), so one code path trains, saves and loads
on both, and the CPU suite tests it. A 4-bit layer's checkpoint entries are its packed weight plus the
quantization statistics bitsandbytes writes beside it (``weight.absmax``, ...); :func:`_restore_4bit`
turns them back into the layer's quantized weight when the checkpoint is loaded (``eval.py``, resume).
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.transfer.blocks import head_params

FOUR_BIT = {"nf4": ("nf4", False), "nf4-dq": ("nf4", True), "fp4": ("fp4", False), "fp4-dq": ("fp4", True)}
MODES = (*FOUR_BIT, "int8")
DTYPES = ("float16", "bfloat16", "float32")


def compute_dtype(mode: str, dtype: str | None, device: str) -> torch.dtype:
    """What the quantized layers compute in. int8: float16, the dtype bitsandbytes quantizes activations
    from. 4-bit: ``dtype``, else bfloat16 on a GPU that has it, float16 on one that has not, and float32 on
    CPU, whose bf16/fp16 arithmetic is emulated (slower, not more exact)."""
    require(mode in MODES, "quantization.mode", f"must be one of {', '.join(MODES)}; got {mode!r}")
    require(dtype in (None, *DTYPES), "quantization.dtype", f"must be null or one of {', '.join(DTYPES)}")
    if mode == "int8":
        require(
            dtype in (None, "float16"),
            "quantization.dtype",
            f"bitsandbytes' int8 mode computes in float16; got {dtype}, use quantization.dtype=float16 or null",
        )
        return torch.float16
    if dtype is not None:
        return getattr(torch, dtype)
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def _restore_4bit(module, state_dict, prefix, *_):
    """Load hook of a 4-bit layer: the checkpoint's packed weight and statistics become its weight."""
    import bitsandbytes as bnb

    stats_prefix = f"{prefix}weight."
    stats = {
        key[len(stats_prefix) :]: state_dict.pop(key)
        for key in list(state_dict)
        if key.startswith(stats_prefix)
    }
    if stats:
        module.weight = bnb.nn.Params4bit.from_prequantized(
            state_dict[f"{prefix}weight"], stats, device=module.weight.device, module=module
        )


def _int8_layer(linear: nn.Linear, device: str) -> nn.Module:
    import bitsandbytes as bnb

    layer = bnb.nn.Linear8bitLt(
        linear.in_features, linear.out_features, bias=linear.bias is not None, has_fp16_weights=False
    )
    layer.load_state_dict(linear.state_dict())
    from dlr.quant.ptq import ComputeIn

    # bitsandbytes quantizes the activations from float16 and answers in float16.
    return ComputeIn(layer.to(device), torch.float16)


def _four_bit_layer(linear: nn.Linear, mode: str, dtype: torch.dtype, device: str) -> nn.Module:
    import bitsandbytes as bnb

    quant_type, double = FOUR_BIT[mode]
    layer = bnb.nn.Linear4bit(
        linear.in_features,
        linear.out_features,
        bias=linear.bias is not None,
        compute_dtype=dtype,
        compress_statistics=double,
        quant_type=quant_type,
    )
    # bitsandbytes 0.50 repacks a 4-bit weight for AVX512-BF16 CPUs at the first no-grad forward in eval mode
    # (asserting there that out_features is a multiple of 32) and keeps the packed kernel when training resumes,
    # whose in-place bias add fails once anything below the layer trains (a ViT's LayerNorms after validation).
    # Every layer keeps the plain path, which trains and evaluates alike.
    layer.support_avx512bf16_for_cpu = False
    layer.weight = bnb.nn.Params4bit(
        linear.weight.detach().clone(),
        requires_grad=False,
        compress_statistics=double,
        quant_type=quant_type,
        module=layer,
    )
    if linear.bias is not None:
        layer.bias = nn.Parameter(linear.bias.detach().clone())
    layer.register_load_state_dict_pre_hook(_restore_4bit)
    return layer.to(device)  # bitsandbytes quantizes a Params4bit when it is first moved to a device


def quantize_base(net: nn.Module, mode: str, dtype: str | None, device: str) -> int:
    """Replace every ``nn.Linear`` of ``net`` but its head, in place, by a frozen bitsandbytes layer
    quantized on ``device``; returns how many were replaced."""
    head = {name.rsplit(".", 1)[0] for name in head_params(net)}
    targets = [name for name, module in net.named_modules() if type(module) is nn.Linear and name not in head]
    require(
        bool(targets),
        "quantization",
        f"bnb quantizes the Linear layers below the head; {type(net).__name__} has none",
    )
    computes_in = compute_dtype(mode, dtype, device)
    for name in targets:
        parent_name, _, child = name.rpartition(".")
        parent = net.get_submodule(parent_name)
        linear = getattr(parent, child)
        if mode == "int8":
            layer = _int8_layer(linear, device)
        else:
            layer = _four_bit_layer(linear, mode, computes_in, device)
        layer.requires_grad_(False)
        setattr(parent, child, layer)
    return len(targets)

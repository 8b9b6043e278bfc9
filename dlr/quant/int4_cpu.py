"""4-bit grouped weights on CPU through PyTorch's own kernel (``aten._weight_int4pack_mm_for_cpu``).

torchao 0.18's ``Int4WeightOnlyConfig`` has kernels only for CUDA; PyTorch ships a CPU one that takes
bf16 activations. Its packing needs the output rows in multiples of 16 and the input columns in whole
groups, so the weight is zero-padded to fit and the output sliced back: padding adds nothing to a product.
"""

import torch
import torch.nn.functional as F
from torch import nn

ROW_MULTIPLE = 16


def cpu_kernel_available() -> bool:
    return hasattr(torch.ops.aten, "_weight_int4pack_mm_for_cpu")


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


class Int4CpuLinear(nn.Module):
    """A frozen ``nn.Linear`` whose weight is stored as packed uint4 with a bf16 scale and zero per group."""

    def __init__(self, in_features: int, out_features: int, group_size: int, bias: bool):
        super().__init__()
        self.in_features, self.out_features, self.group_size = in_features, out_features, group_size
        rows, columns = _round_up(out_features, ROW_MULTIPLE), _round_up(in_features, group_size)
        self.register_buffer("packed_weight", torch.zeros(rows, columns // 2, dtype=torch.uint8))
        self.register_buffer(
            "scales_and_zeros", torch.zeros(columns // group_size, rows, 2, dtype=torch.bfloat16)
        )
        self.register_buffer("bias", torch.zeros(out_features) if bias else None)

    @classmethod
    def from_linear(cls, linear: nn.Linear, group_size: int) -> "Int4CpuLinear":
        from torchao.quantization.utils import groupwise_affine_quantize_tensor  # torchao: int4 runs only

        module = cls(linear.in_features, linear.out_features, group_size, linear.bias is not None)
        rows, columns = module.scales_and_zeros.shape[1], module.scales_and_zeros.shape[0] * group_size
        weight = linear.weight.detach().float()
        weight = F.pad(weight, (0, columns - linear.in_features, 0, rows - linear.out_features))
        values, scales_and_zeros = groupwise_affine_quantize_tensor(
            weight, 4, group_size, dtype=torch.bfloat16
        )
        module.packed_weight = torch.ops.aten._convert_weight_to_int4pack_for_cpu(values.to(torch.int32), 1)
        module.scales_and_zeros = scales_and_zeros
        if linear.bias is not None:
            module.bias = linear.bias.detach().clone()
        return module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).to(torch.bfloat16)
        flat = F.pad(flat, (0, self.scales_and_zeros.shape[0] * self.group_size - self.in_features))
        out = torch.ops.aten._weight_int4pack_mm_for_cpu(
            flat, self.packed_weight, self.group_size, self.scales_and_zeros
        )
        out = out[:, : self.out_features].to(x.dtype)
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"{self.in_features} -> {self.out_features}, int4 in groups of {self.group_size}"

"""int4 layers that cannot be grouped stay in the net's dtype, next to layers computed in bf16.

On CUDA, torchao's tinygemm int4 kernel takes bf16 inputs and whole groups of input columns; MNIST-1D's
first layer (40 inputs, groups of 32) cannot be grouped. This runs the CUDA path's layer selection and
dtype handling on CPU, with a bf16 layer standing in for the torchao kernel.
"""

import torch
from torch import nn

from dlr.quant.int4_cpu import Int4CpuLinear
from dlr.quant.ptq import ComputeIn, count_linears, int4_linears


def bf16_stand_in(linear: nn.Linear) -> nn.Module:
    return ComputeIn(linear.to(torch.bfloat16), torch.bfloat16)


def test_layers_without_whole_groups_keep_float_weights_and_the_net_runs_in_its_dtype():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    x = torch.randn(16, 40)
    reference = net(x)
    int4_linears(net, 32, bf16_stand_in, whole_groups_only=True)
    assert type(net[0]) is nn.Linear and net[0].weight.dtype == torch.float32  # 40 % 32 != 0: kept
    assert all(isinstance(net[i], ComputeIn) for i in (2, 4))
    out = net(x)  # a whole-net bf16 cast would feed the kept fp32 layer bf16 (or it fp32 to bf16) and fail
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, reference, atol=0.05, rtol=0.05)


def test_cpu_int4_pads_so_every_layer_is_quantized():
    net = nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 10))
    int4_linears(net, 32, lambda linear: Int4CpuLinear.from_linear(linear, 32), whole_groups_only=False)
    assert count_linears(net) == {"quantization/quantized_linears": 2, "quantization/float_linears": 0}
    assert net(torch.randn(4, 40)).dtype == torch.float32

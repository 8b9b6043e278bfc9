"""Inference latency, throughput and size per precision and quantization, in one run, as ratios to fp32.

    python scripts/bench_inference.py [--width 2048] [--depth 3] [--batch 64] [--rounds 7] [--calls 3]

The net is dlr's MLP with ``depth`` hidden layers of ``width`` (depth 3 = 4 Linear layers of width x width).
Every candidate is timed interleaved with fp32 in each round (the CPU is shared: a load spike hits all of
them alike) and the median is kept. Size is the safetensors file each one writes. Prints JSON.
"""

import argparse
import copy
import os
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr.nets.mlp import MLP  # noqa: E402
from dlr.quant import export  # noqa: E402
from dlr.quant.compare import latencies, print_report  # noqa: E402
from dlr.quant.methods import shipped_post_training  # noqa: E402
from dlr.quant.ptq import quantize_net  # noqa: E402

QUANTIZATIONS = {
    "int8_dynamic_torchao": {"name": "int8_dynamic", "backend": "torchao"},
    "int8_dynamic_fbgemm": {"name": "int8_dynamic", "backend": "fbgemm"},
    "int8_weight_only": {"name": "int8_weight_only"},
    "int4_weight_only": {"name": "int4_weight_only", "group_size": 32},
}


def candidates(net: torch.nn.Module) -> dict[str, tuple[torch.nn.Module, torch.dtype]]:
    """name -> (net, input dtype)."""
    out = {"fp32": (net, torch.float32), "bf16": (copy.deepcopy(net).to(torch.bfloat16), torch.bfloat16)}
    for name, spec in QUANTIZATIONS.items():
        out[name] = (quantize_net(copy.deepcopy(net), shipped_post_training(**spec)), torch.float32)
    return out


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # 1 is steadier on a crowded CPU: no thread waits on a preempted one
    torch.manual_seed(0)
    net = MLP((args.width,), args.width, width=args.width, depth=args.depth).eval()
    nets = candidates(net)
    batch = torch.randn(args.batch, args.width)
    calls = {name: (lambda x, n=n, dtype=dtype: n(x.to(dtype))) for name, (n, dtype) in nets.items()}
    load_before = os.getloadavg()[0]
    times = latencies(calls, batch, rounds=args.rounds, calls=args.calls)
    with tempfile.TemporaryDirectory() as directory:
        sizes = {
            name: export.save(n, Path(directory) / f"{name}.safetensors") for name, (n, _) in nets.items()
        }
    results = {
        name: {
            "latency_ms": round(times[name], 3),
            "throughput_per_s": round(args.batch * 1000 / times[name], 1),
            "throughput_vs_fp32": round(times["fp32"] / times[name], 3),
            "size_bytes": sizes[name],
            "size_vs_fp32": round(sizes[name] / sizes["fp32"], 4),
        }
        for name in nets
    }
    return print_report(args, load_before, results)


if __name__ == "__main__":
    main()

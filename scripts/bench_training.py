"""Training step speed per precision, in one run, as ratios to fp32.

    python scripts/bench_training.py [--width 2048] [--depth 3] [--batch 64] [--rounds 5] [--steps 2]

A step is what Lightning runs per batch: forward, cross-entropy, backward, AdamW step, zero_grad. The
precisions are done as Lightning does them: ``*-true`` casts the net (and so grads and AdamW state),
``*-mixed`` keeps fp32 weights and autocasts the forward. Each round times every precision back to back
(the CPU is shared), the median per step is kept. `--threads 1` is steadier on a crowded CPU. Prints JSON.
"""

import argparse
import contextlib
import copy
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr.nets.mlp import MLP  # noqa: E402
from dlr.quant.compare import print_report  # noqa: E402

PRECISIONS = {  # name -> (parameter dtype, autocast dtype or None)
    "32-true": (torch.float32, None),
    "bf16-mixed": (torch.float32, torch.bfloat16),
    "bf16-true": (torch.bfloat16, None),
    "16-true": (torch.float16, None),
}
EPS = {torch.float16: 1e-4}  # as conf/precision/16-true.yaml


class Stepper:
    def __init__(self, net: torch.nn.Module, dtype: torch.dtype, autocast: torch.dtype | None):
        self.net, self.dtype, self.autocast = net.to(dtype), dtype, autocast
        self.optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4, eps=EPS.get(dtype, 1e-8))

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        context = torch.autocast("cpu", dtype=self.autocast) if self.autocast else contextlib.nullcontext()
        with context:
            loss = F.cross_entropy(self.net(x.to(self.dtype)), y)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--precisions", nargs="+", default=list(PRECISIONS))
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # 1 is steadier on a crowded CPU: no thread waits on a preempted one
    torch.manual_seed(0)
    net = MLP((args.width,), args.width, width=args.width, depth=args.depth)
    steppers = {name: Stepper(copy.deepcopy(net), *PRECISIONS[name]) for name in args.precisions}
    x, y = torch.randn(args.batch, args.width), torch.randint(0, args.width, (args.batch,))
    for step in steppers.values():
        step(x, y)  # warm-up: allocates AdamW state
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(args.rounds):
        for name, step in steppers.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step(x, y)
            times[name].append((time.perf_counter() - start) * 1000 / args.steps)
    median = {name: statistics.median(values) for name, values in times.items()}
    reference = median.get("32-true")
    results = {
        name: {"step_ms": round(ms, 2), "speed_vs_fp32": round(reference / ms, 3) if reference else None}
        for name, ms in median.items()
    }
    return print_report(args, load_before, results)


if __name__ == "__main__":
    main()

"""A quantized net against its float reference: test-metric delta, size on disk (safetensors), latency."""

import json
import os
import statistics
from pathlib import Path

import torch
from torch import nn

from dlr.quant import export


@torch.inference_mode()
def latencies(
    nets: dict[str, nn.Module], batch: torch.Tensor, rounds: int = 7, calls: int = 5
) -> dict[str, float]:
    """Median milliseconds per forward call of each net on ``batch``, measured interleaved: the CPU is shared,
    so every round times every net back to back and a load spike hits all of them alike."""
    from torch.utils.benchmark import Timer  # only for runs that compare quantized nets

    times: dict[str, list[float]] = {name: [] for name in nets}
    for net in nets.values():
        net(batch)  # warm-up: first calls pack weights and allocate
    # Timer pins torch's threads to num_threads while it times (1 unless told): keep the run's setting.
    timers = {
        name: Timer("net(batch)", globals={"net": net, "batch": batch}, num_threads=torch.get_num_threads())
        for name, net in nets.items()
    }
    for _ in range(rounds):
        for name, timer in timers.items():
            times[name].append(timer.timeit(calls).mean * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def metric_deltas(reference: dict[str, float], quantized: dict[str, float]) -> dict[str, float]:
    """``reference/<key>`` and ``delta/<key>`` (quantized minus reference) for every test metric."""
    out = {}
    for key, value in quantized.items():
        if key.startswith("test/") and key in reference:
            out[f"reference/{key}"] = reference[key]
            out[f"delta/{key}"] = value - reference[key]
    return out


def size_and_latency(
    reference: nn.Module,
    quantized: nn.Module,
    batch: torch.Tensor,
    directory: str | Path,
    name: str,
    device: str = "cpu",
) -> dict:
    """Both nets saved as safetensors under ``directory`` and timed on ``batch`` on ``device``."""
    reference, quantized, batch = reference.to(device), quantized.to(device), batch.to(device)
    directory = Path(directory)
    reference_bytes = export.save(reference, directory / "model_reference.safetensors")
    quantized_bytes = export.save(quantized, directory / f"model_{name}.safetensors", {"quantization": name})
    times = latencies({"reference": reference.eval(), "quantized": quantized.eval()}, batch)
    return {
        "size/reference_bytes": float(reference_bytes),
        "size/quantized_bytes": float(quantized_bytes),
        "size/ratio": quantized_bytes / reference_bytes,
        "latency_ms/reference": times["reference"],
        "latency_ms/quantized": times["quantized"],
        "latency/speedup": times["reference"] / times["quantized"],
    }


def print_report(args, load_before: float, results: dict) -> dict:
    """What the benchmark scripts print as JSON: the net, the machine, the load it ran under, the results."""
    report = {
        "net": f"MLP {args.depth + 1} Linear layers, width {args.width}",
        "batch": args.batch,
        "threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "load_avg_1min": {"before": load_before, "after": os.getloadavg()[0]},
        "results": results,
    }
    print(json.dumps(report, indent=2))
    return report

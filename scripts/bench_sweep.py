"""Benchmark the (c) dd_mnist1d sweep: launcher=stacked against launcher=joblib, a hand-written loop and the
FLOP floor, all measured in the same run on the same machine.

Full protocol: 19 widths, 500 epochs, label noise 0.15, seed 0 (joblib with 2 jobs, stacked with 2 workers).
    python scripts/bench_sweep.py
With --seeds 5 the stacked sweep also runs over seeds 0..4, and the ratio to the one-seed time is reported.
A quick check of the machinery:
    python scripts/bench_sweep.py --epochs 2 --widths 2,36 --skip-joblib --skip-reference
Prints only JSON on stdout: wall times, ratios, the load average, each path's test error per width, and
the stacked buckets' padding share. The sweeps' summary.csv and plots stay in their directories.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dd_sweep import run_dd_sweep  # noqa: E402

from dlr.data.mnist1d import MNIST1DDataModule  # noqa: E402

WIDTHS = [2, 3, 4, 6, 7, 10, 13, 16, 21, 28, 36, 47, 62, 80, 104, 136, 177, 230, 300]
DATA = {
    "num_samples": 16000,
    "train_split": 0.25,
    "label_noise": 0.15,
    "batch_size": 100,
    "val_fraction": 0.0,
}
FEATURES, CLASSES = 40, 10


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sweep_flops(widths: list[int], samples: int) -> float:
    """Forward + backward FLOPs of the 40-h-h-10 MLPs (weights and biases), 6 per weight per sample."""
    per_sample = sum(6 * ((FEATURES + 1) * h + (h + 1) * h + (h + 1) * CLASSES) for h in widths)
    return float(per_sample) * samples


def matmul_gflops(seconds: float = 2.0, size: int = 1024) -> float:
    """This machine's fp32 matmul rate on all its cores, measured now (the floor's denominator)."""
    torch.set_num_threads(os.cpu_count() or 1)
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        a @ b
        calls += 1
    return 2 * size**3 * calls / (time.perf_counter() - started) / 1e9


def reference_sweep(datamodule: MNIST1DDataModule, widths: list[int], epochs: int, seed: int) -> dict:
    """Greydanus's protocol as a plain loop: permute per epoch, slice batches, SGD. Test error per width."""
    x, y = datamodule.train.x, datamodule.train.y
    errors = {}
    for width in widths:
        torch.manual_seed(seed)
        net = nn.Sequential(
            nn.Linear(FEATURES, width),
            nn.ReLU(),
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Linear(width, CLASSES),
        )
        optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        for _ in range(epochs):
            order = torch.randperm(len(x))
            xs, ys = x[order], y[order]
            for start in range(0, len(x), DATA["batch_size"]):
                batch = slice(start, start + DATA["batch_size"])
                loss = F.cross_entropy(net(xs[batch]), ys[batch])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        with torch.no_grad():
            errors[width] = float((net(datamodule.test.x).argmax(1) != datamodule.test.y).float().mean())
    return errors


def dlr_sweep(
    launcher: str, widths: list[int], epochs: int, seeds: int, args, out: Path
) -> tuple[float, Path]:
    """Wall time of `python train.py -m experiment=dd_mnist1d launcher=<launcher> ...`, and its sweep dir."""
    sweep_dir = out / f"{launcher}_{seeds}seeds"
    wall, stdout = run_dd_sweep(
        launcher,
        ",".join(map(str, widths)),
        seeds,
        epochs,
        DATA["label_noise"],
        out,
        sweep_dir,
        [f"hydra.launcher.n_jobs={args.n_jobs}", f"paths.data_dir={args.data_dir}"],
    )
    log(stdout[-1500:])
    return wall, sweep_dir


def curve(sweep_dir: Path, seed: int = 0) -> dict[int, float]:
    table = pd.read_csv(sweep_dir / "summary.csv")
    table = table[(table["seed"] == seed) & (table["status"] == "completed")].sort_values("width")
    return {int(w): round(float(e), 4) for w, e in zip(table["width"], table["test/error"], strict=True)}


def buckets(sweep_dir: Path) -> list[dict]:
    """The stacked buckets, as each member's record describes its own."""
    found = {}
    for path in sweep_dir.glob("*/metrics.json"):
        stacked = json.loads(path.read_text()).get("stacked")
        if stacked:
            found[tuple(stacked["widths"])] = {
                k: stacked[k] for k in ("widths", "members", "padding_share", "fit_s")
            }
    return sorted(found.values(), key=lambda bucket: bucket["widths"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--seeds", type=int, default=1, help="also run the stacked sweep over seeds 0..N-1")
    parser.add_argument("--n-jobs", type=int, default=2, help="joblib jobs and stacked worker processes")
    parser.add_argument("--skip-joblib", action="store_true")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--out", default=None, help="where the sweeps are written (default: a temporary dir)")
    args = parser.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_sweep_"))
    datamodule = MNIST1DDataModule(view="flat", data_dir=args.data_dir, seed=0, **DATA)
    datamodule.setup("fit")  # generated once into the cache every path then reads
    load_before = os.getloadavg()
    gflops = matmul_gflops()
    flops = sweep_flops(widths, len(datamodule.train.x) * args.epochs)
    floor_s = flops / (gflops * 1e9)
    report = {
        "widths": widths,
        "epochs": args.epochs,
        "n_jobs": args.n_jobs,
        "cpu_count": os.cpu_count(),
        "load_avg_before": [round(v, 2) for v in load_before],
        "matmul_gflops_all_cores": round(gflops, 1),
        "sweep_tflop": round(flops / 1e12, 3),
        "flop_floor_s": round(floor_s, 3),
    }

    stacked_s, stacked_dir = dlr_sweep("stacked", widths, args.epochs, 1, args, out)
    stacked_curve = curve(stacked_dir)
    report.update(
        stacked_wall_s=round(stacked_s, 1),
        stacked_over_flop_floor=round(stacked_s / floor_s, 2),
        stacked_buckets=buckets(stacked_dir),
        stacked_test_error=stacked_curve,
    )
    if args.seeds > 1:
        seeds_s, _ = dlr_sweep("stacked", widths, args.epochs, args.seeds, args, out)
        report.update(
            {
                f"stacked_{args.seeds}seeds_wall_s": round(seeds_s, 1),
                f"stacked_{args.seeds}seeds_over_one_seed": round(seeds_s / stacked_s, 2),
                # Its own floor is the seeds' FLOPs: near it, the ratio to one seed nears their count.
                f"stacked_{args.seeds}seeds_over_flop_floor": round(seeds_s / (args.seeds * floor_s), 2),
            }
        )
    if not args.skip_joblib:
        joblib_s, joblib_dir = dlr_sweep("joblib", widths, args.epochs, 1, args, out)
        joblib_curve = curve(joblib_dir)
        report.update(
            joblib_wall_s=round(joblib_s, 1),
            joblib_over_stacked=round(joblib_s / stacked_s, 2),
            joblib_test_error=joblib_curve,
            max_test_error_gap_points=round(
                100 * max(abs(stacked_curve[w] - joblib_curve[w]) for w in stacked_curve), 2
            ),
        )
    if not args.skip_reference:
        torch.set_num_threads(1)
        started = time.perf_counter()
        reference = reference_sweep(datamodule, widths, args.epochs, seed=0)
        reference_s = time.perf_counter() - started
        report.update(
            reference_sequential_wall_s=round(reference_s, 1),
            reference_over_stacked=round(reference_s / stacked_s, 2),
            reference_test_error={w: round(e, 4) for w, e in reference.items()},
        )
    report["load_avg_after"] = [round(v, 2) for v in os.getloadavg()]
    report["sweep_dirs"] = str(out)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

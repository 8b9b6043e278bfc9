"""Throughput of a stacked sweep against the per-job path on one device (CUDA, or the CPU with a tiny budget).

Both paths run the same dd_mnist1d sweep through ``python train.py -m``: ``launcher=stacked`` (every
member in one process, one stacked model per bucket) and ``launcher=basic`` (one Lightning run per job).
    python scripts/gpu_stacked_check.py --device cuda
    python scripts/gpu_stacked_check.py --device cpu --epochs 1 --widths 4,16 --seeds 1
Prints only JSON on stdout: wall times, training samples per second of each path, their ratios, and the
largest test-error gap between the paths' members.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from dd_sweep import run_dd_sweep


def sweep(launcher: str, args, out: Path) -> dict:
    sweep_dir = out / launcher
    wall, _ = run_dd_sweep(
        launcher,
        args.widths,
        args.seeds,
        args.epochs,
        0.15,
        out,
        sweep_dir,
        [
            f"trainer.accelerator={'gpu' if args.device.startswith('cuda') else 'cpu'}",
            *(["hydra.launcher.n_jobs=1"] if launcher == "stacked" else []),
        ],
    )
    records = [json.loads(p.read_text()) for p in sweep_dir.glob("*/metrics.json")]
    failed = [r["run_dir"] for r in records if r["status"] != "completed"]
    if failed:
        sys.exit(f"the {launcher} sweep has failed members: {failed}")
    # Each stacked member records its bucket's fit time: count every bucket once.
    fits = {tuple(r["stacked"]["widths"]): r["timing"]["fit_s"] for r in records if r.get("stacked")}
    fit_s = sum(fits.values()) if fits else sum(r["timing"]["fit_s"] for r in records)
    samples = sum(r["data"]["n_train"] for r in records) * args.epochs
    # Keyed by job number: both sweeps number the same (width, seed) grid alike.
    errors = {Path(r["run_dir"]).name: 1 - r["metrics"]["test/acc"] for r in records}
    return {"wall_s": wall, "fit_s": fit_s, "samples_per_s": samples / fit_s, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda or cpu")
    parser.add_argument("--widths", default="2,8,32,128,300")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default=None, help="where the sweeps are written (default: a temporary dir)")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="gpu_stacked_"))
    stacked, per_job = sweep("stacked", args, out), sweep("basic", args, out)
    gap = max(abs(stacked["errors"][key] - per_job["errors"][key]) for key in stacked["errors"])
    report = {
        "device": args.device,
        "widths": [int(w) for w in args.widths.split(",")],
        "seeds": args.seeds,
        "epochs": args.epochs,
        "stacked_wall_s": round(stacked["wall_s"], 2),
        "per_job_wall_s": round(per_job["wall_s"], 2),
        "wall_speedup": round(per_job["wall_s"] / stacked["wall_s"], 2),
        "stacked_train_samples_per_s": round(stacked["samples_per_s"]),
        "per_job_train_samples_per_s": round(per_job["samples_per_s"]),
        "train_throughput_speedup": round(stacked["samples_per_s"] / per_job["samples_per_s"], 2),
        "max_test_error_gap_points": round(100 * gap, 2),
        "sweep_dirs": str(out),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark a small (d) dd_cnn sweep: launcher=stacked against launcher=joblib, in the same run.

    python scripts/bench_stacked_cnn.py --epochs 20 --widths 2,8,32 --seeds 3
Both sweeps run `python train.py -m experiment=dd_cnn` with the same widths, seeds and label noise (2 worker
processes each). Prints only JSON on stdout: wall times, their ratio, the load average before and after,
each path's test error per width (seed 0) and the largest gap between them.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
from dd_sweep import run_dd_sweep

ROOT = Path(__file__).resolve().parents[1]


def sweep(launcher: str, args, out: Path) -> tuple[float, dict[int, float]]:
    """Wall seconds of the sweep and its seed-0 test error per width."""
    sweep_dir = out / launcher
    wall, stdout = run_dd_sweep(
        launcher,
        args.widths,
        args.seeds,
        args.epochs,
        args.label_noise,
        log_dir=out,
        sweep_dir=sweep_dir,
        extra=[f"hydra.launcher.n_jobs={args.n_jobs}", f"paths.data_dir={args.data_dir}"],
        experiment="dd_cnn",
    )
    print(stdout[-1500:], file=sys.stderr, flush=True)
    table = pd.read_csv(sweep_dir / "summary.csv")
    table = table[(table["seed"] == 0) & (table["status"] == "completed")].sort_values("width")
    return wall, {
        int(w): round(float(e), 4) for w, e in zip(table["width"], table["test/error"], strict=True)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="2,8,32")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--label-noise", type=float, default=0.15)
    parser.add_argument("--n-jobs", type=int, default=2, help="joblib jobs and stacked worker processes")
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--out", default=None, help="where the sweeps are written (default: a temporary dir)")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_stacked_cnn_"))
    report = {
        "widths": [int(w) for w in args.widths.split(",")],
        "epochs": args.epochs,
        "seeds": args.seeds,
        "n_jobs": args.n_jobs,
        "cpu_count": os.cpu_count(),
        "load_avg_before": [round(v, 2) for v in os.getloadavg()],
    }
    stacked_s, stacked_error = sweep("stacked", args, out)
    joblib_s, joblib_error = sweep("joblib", args, out)
    report.update(
        stacked_wall_s=round(stacked_s, 1),
        joblib_wall_s=round(joblib_s, 1),
        joblib_over_stacked=round(joblib_s / stacked_s, 2),
        stacked_test_error=stacked_error,
        joblib_test_error=joblib_error,
        max_test_error_gap_points=round(
            100 * max(abs(stacked_error[w] - joblib_error[w]) for w in stacked_error), 2
        ),
        load_avg_after=[round(v, 2) for v in os.getloadavg()],
        sweep_dirs=str(out),
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

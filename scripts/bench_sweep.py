"""Benchmark the (c) dd_mnist1d sweep through dlr against a hand-written PyTorch loop, in the same run.

Full protocol (the README's numbers): 19 widths, 500 epochs, one seed, label noise 0.15, joblib with 2 jobs.
    python scripts/bench_sweep.py
A quick check of the machinery:
    python scripts/bench_sweep.py --epochs 5 --widths 2,36,300
Prints JSON: wall times of `python train.py -m experiment=dd_mnist1d launcher=joblib ...` and of the
reference (tensor slicing, no framework, sequential on one thread), their ratio, the machine's load, and
both curves' test errors. The sweep's summary.csv and double_descent.png stay in its directory.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlr.data.mnist1d import MNIST1DDataModule  # noqa: E402

WIDTHS = [2, 3, 4, 6, 7, 10, 13, 16, 21, 28, 36, 47, 62, 80, 104, 136, 177, 230, 300]
DATA = {
    "num_samples": 16000,
    "train_split": 0.25,
    "label_noise": 0.15,
    "batch_size": 100,
    "val_fraction": 0.0,
}


def load_data(data_dir: str, seed: int) -> MNIST1DDataModule:
    """The experiment's data (generated once into the cache both sides then read)."""
    datamodule = MNIST1DDataModule(view="flat", data_dir=data_dir, seed=seed, **DATA)
    datamodule.setup("fit")
    return datamodule


def reference_sweep(
    datamodule: MNIST1DDataModule, widths: list[int], epochs: int, seed: int
) -> dict[int, float]:
    """Greydanus's protocol as a plain loop: permute per epoch, slice batches, SGD. Test error per width."""
    x, y = datamodule.train.x, datamodule.train.y
    errors = {}
    for width in widths:
        torch.manual_seed(seed)
        net = nn.Sequential(
            nn.Linear(40, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10)
        )
        optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        for _ in range(epochs):
            order = torch.randperm(len(x))
            xs, ys = x[order], y[order]
            for start in range(0, len(x), DATA["batch_size"]):
                loss = F.cross_entropy(
                    net(xs[start : start + DATA["batch_size"]]), ys[start : start + DATA["batch_size"]]
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        with torch.no_grad():
            errors[width] = float((net(datamodule.test.x).argmax(1) != datamodule.test.y).float().mean())
    return errors


def dlr_sweep(
    widths: list[int], epochs: int, seed: int, n_jobs: int, data_dir: str, out: Path
) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "train.py",
        "-m",
        "experiment=dd_mnist1d",
        "launcher=joblib",
        f"hydra.launcher.n_jobs={n_jobs}",
        f"width={','.join(map(str, widths))}",
        f"trainer.max_epochs={epochs}",
        f"seed={seed}",
        "data.label_noise=0.15",
        f"paths.data_dir={data_dir}",
        f"paths.log_dir={out}",
        f"hydra.sweep.dir={out / 'sweep'}",
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument(
        "--out", default=None, help="where the sweep is written (default: a temporary directory)"
    )
    args = parser.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_sweep_"))
    datamodule = load_data(args.data_dir, args.seed)
    load_before = os.getloadavg()

    started = time.perf_counter()
    result = dlr_sweep(widths, args.epochs, args.seed, args.n_jobs, args.data_dir, out)
    dlr_s = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the dlr sweep failed:\n{result.stderr[-3000:]}")

    torch.set_num_threads(1)
    started = time.perf_counter()
    reference = reference_sweep(datamodule, widths, args.epochs, args.seed)
    reference_s = time.perf_counter() - started

    import pandas as pd

    table = pd.read_csv(out / "sweep" / "summary.csv").sort_values("width")
    print(
        json.dumps(
            {
                "widths": widths,
                "epochs": args.epochs,
                "n_jobs": args.n_jobs,
                "cpu_count": os.cpu_count(),
                "load_avg_before": [round(v, 2) for v in load_before],
                "load_avg_after": [round(v, 2) for v in os.getloadavg()],
                "dlr_joblib_wall_s": round(dlr_s, 1),
                "reference_sequential_wall_s": round(reference_s, 1),
                "dlr_over_reference": round(dlr_s / reference_s, 3),
                "dlr_job_wall_s_sum": round(float(table["wall_time_s"].sum()), 1),
                "dlr_test_error": dict(
                    zip(table["width"].tolist(), table["test/error"].round(4).tolist(), strict=True)
                ),
                "reference_test_error": {w: round(e, 4) for w, e in reference.items()},
                "sweep_dir": str(out / "sweep"),
                "curve_png": str(out / "sweep" / "double_descent.png"),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

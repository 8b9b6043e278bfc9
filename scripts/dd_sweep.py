"""The double-descent sweep that scripts/bench_sweep.py, bench_stacked_cnn.py and gpu_stacked_check.py time:
one command line, run as a user runs it. A module those two import (python puts scripts/ on their path), not a script."""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_dd_sweep(
    launcher: str,
    widths: str,
    seeds: int,
    epochs: int,
    label_noise: float,
    log_dir: Path,
    sweep_dir: Path,
    extra: list[str] = (),
    experiment: str = "dd_mnist1d",
) -> tuple[float, str]:
    """Wall seconds and stdout of ``python train.py -m experiment=<experiment> launcher=<launcher> ...``;
    exits with the sweep's stderr when it fails. ``widths`` is Hydra's comma list (``4,16``)."""
    command = [
        sys.executable,
        "train.py",
        "-m",
        f"experiment={experiment}",
        f"launcher={launcher}",
        f"width={widths}",
        f"seed={','.join(map(str, range(seeds)))}",
        f"data.label_noise={label_noise}",
        f"trainer.max_epochs={epochs}",
        f"paths.log_dir={log_dir}",
        f"hydra.sweep.dir={sweep_dir}",
        *extra,
    ]
    print(f"running: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the {launcher} sweep failed:\n{result.stderr[-3000:]}")
    return wall, result.stdout

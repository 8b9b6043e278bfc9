"""Time to first answer of train.py, against a bare `import torch` measured in the same run.

Prints only JSON: per command the median wall time over ``--repeats`` runs, its peak RSS, and both as
ratios to `python -c "import torch"`. Commands: --help, --cfg job, tab completion, a config error
(width=0), and the default run `python train.py` (one repeat unless --repeats-run says otherwise).
Also `import torch, torch._dynamo`: every torch optimizer's ``step`` imports ``torch._dynamo`` (its
``_use_grad_for_differentiable``), so that is the floor of any training run, with or without Lightning.
Runs write under a temporary paths.log_dir. Usage: `python scripts/bench_startup.py --repeats 3`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, read from its own rusage (os.wait4)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def median_of(command: list[str], repeats: int, env: dict[str, str]) -> dict[str, float]:
    runs = [measure(command, env) for _ in range(repeats)]
    return {
        "wall_s": round(statistics.median(r[0] for r in runs), 3),
        "peak_rss_mb": round(max(r[1] for r in runs), 1),
    }


def fit_seconds(log_dir: str) -> float:
    """Median fit + test seconds of the completed default runs, as their records state them."""
    records = [json.loads(p.read_text()) for p in Path(log_dir).glob("runs/train/*/metrics.json")]
    timings = [r["timing"] for r in records if r["status"] == "completed"]
    return statistics.median(t.get("fit_s", 0) + t.get("test_s", 0) for t in timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per short command (median)")
    parser.add_argument("--repeats-run", type=int, default=1, help="runs of the default training run")
    args = parser.parse_args()
    log_dir = tempfile.mkdtemp(prefix="bench_startup_")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completion = {**env, "COMP_LINE": "python train.py model=m", "COMP_POINT": "23"}
    train = [sys.executable, "train.py"]
    reference = median_of([sys.executable, "-c", "import torch"], args.repeats, env)
    figures = {
        "import_torch_and_dynamo": median_of(
            [sys.executable, "-c", "import torch, torch._dynamo"], args.repeats, env
        ),
        "help": median_of([*train, "--help"], args.repeats, env),
        "cfg_job": median_of([*train, "--cfg", "job"], args.repeats, env),
        "tab_completion": median_of([*train, "-sc", "query=bash"], args.repeats, completion),
        "width_0_error": median_of([*train, "width=0", f"paths.log_dir={log_dir}"], args.repeats, env),
        "default_run": median_of([*train, f"paths.log_dir={log_dir}"], args.repeats_run, env),
    }
    # On a shared machine the fit's own time swings most; what start-up costs is the rest of the wall time.
    run = figures["default_run"]
    run["fit_and_test_s"] = round(fit_seconds(log_dir), 3)
    run["outside_fit_s"] = round(run["wall_s"] - run["fit_and_test_s"], 3)
    run["outside_fit_ratio_to_import_torch"] = round(run["outside_fit_s"] / reference["wall_s"], 3)
    # 1.0 is the most any cut in dlr can reach: torch's optimizers (and Lightning) import torch._dynamo.
    floor = figures["import_torch_and_dynamo"]["wall_s"]
    run["outside_fit_ratio_to_import_torch_and_dynamo"] = round(run["outside_fit_s"] / floor, 3)
    for figure in figures.values():
        figure["wall_ratio_to_import_torch"] = round(figure["wall_s"] / reference["wall_s"], 3)
        figure["rss_ratio_to_import_torch"] = round(figure["peak_rss_mb"] / reference["peak_rss_mb"], 3)
    report = {
        "import_torch": reference,
        **figures,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "repeats": args.repeats,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""The stacked sweep's scripts run tiny and print only JSON: the CPU benchmark and the GPU throughput check."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _json_of(*command: str) -> dict:
    result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)  # nothing but JSON on stdout


@pytest.mark.slow
def test_bench_sweep_runs_tiny(tmp_path, data_dir):
    report = _json_of(
        "scripts/bench_sweep.py",
        "--epochs=2",
        "--widths=2,36",
        "--seeds=2",
        "--skip-joblib",
        f"--data-dir={data_dir}",
        f"--out={tmp_path}",
    )
    assert report["stacked_wall_s"] > 0 and report["reference_sequential_wall_s"] > 0
    assert report["flop_floor_s"] > 0 and report["stacked_over_flop_floor"] > 1
    assert sorted(report["stacked_test_error"]) == ["2", "36"]
    assert sum(bucket["members"] for bucket in report["stacked_buckets"]) == 2
    assert report["stacked_2seeds_over_one_seed"] > 0 and report["stacked_2seeds_over_flop_floor"] > 1


@pytest.mark.slow
def test_gpu_stacked_check_runs_on_cpu(tmp_path):
    report = _json_of(
        "scripts/gpu_stacked_check.py",
        "--device=cpu",
        "--epochs=1",
        "--widths=4,16",
        "--seeds=1",
        f"--out={tmp_path}",
    )
    assert report["device"] == "cpu" and report["stacked_wall_s"] > 0
    assert report["train_throughput_speedup"] > 0 and report["max_test_error_gap_points"] < 1.0

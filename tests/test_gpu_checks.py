"""scripts/gpu_checks.sh on a machine without CUDA: every check's config composes, none runs."""

import json
import os
import subprocess

import pytest
import torch

from tests.conftest import ROOT


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU the script runs the checks for real")
def test_gpu_checks_compose_every_check_on_cpu(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path)}
    done = subprocess.run(
        ["bash", "scripts/gpu_checks.sh"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, (tmp_path / "gpu_checks.stderr.txt").read_text()[-2000:]
    results = json.loads(done.stdout)
    assert results == json.loads((tmp_path / "gpu_checks.json").read_text())
    checks = results["checks"]
    assert results["dry_run"] and {c["status"] for c in checks.values()} == {"skipped"}
    expected = {
        "auto_accelerator",
        "hub_models_from_cache",
        "obstacles",
        "precision/16-mixed",
        "quantization/bnb_nf4",
        "zoo/elm",
        "ddp_all_gpus",
        "fsdp",
        "throughput/cnn",
    }
    assert expected <= set(checks)

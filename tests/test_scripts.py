"""Every script in scripts/ prints only its JSON result on stdout; everything for a person goes to stderr."""

import json
import os
from pathlib import Path

import pytest

from tests.forked_runner import ForkedRunner

ROOT = Path(__file__).resolve().parents[1]

# The smallest arguments that still run each script end to end; `{tmp}` is this test's directory.
TINY_ARGS = {
    "bench_overhead.py": ["--widths", "16", "--epochs", "1", "--repeats", "1", "--batches-per-step", "auto"],
    "bench_inference.py": ["--width", "64", "--depth", "1", "--rounds", "1", "--calls", "1"],
    "bench_training.py": ["--width", "64", "--depth", "1", "--rounds", "1", "--steps", "1"],
    "bench_image_data.py": ["--n", "128", "--width", "2", "--batch", "64", "--workers", "0"],
    "memory.py": ["params=7e9", "dtype=bf16"],
    "obstacles.py": [
        "model=mlp",
        "width=16",
        "data.num_samples=500",
        "--epochs",
        "1",
        "--rounds",
        "1",
        "--out",
        "{tmp}/o",
    ],
    "zoo_table.py": ["--only", "perceptron", "--max-epochs", "1", "--out", "{tmp}/zoo_table.md"],
    "hopfield_capacity.py": ["--n-units", "32", "--points", "2", "--trials", "1", "--out", "{tmp}/h.png"],
    "memory_generalisation.py": ["--epochs", "1", "--out", "{tmp}/memory_generalisation"],
    "bench_startup.py": ["--repeats", "1", "--repeats-run", "1"],
    "bench_stacked_cnn.py": [
        "--epochs",
        "1",
        "--widths",
        "2",
        "--seeds",
        "1",
        "--data-dir",
        "{tmp}/data",
        "--out",
        "{tmp}/out",
    ],
}
NOT_RUN = {
    "gpu_checks.py": "needs a GPU (scripts/gpu_checks.sh)",
    "bench_sweep.py": "tests/test_docs.py runs the docs' commands of it, with a tiny budget",
    "gpu_stacked_check.py": "tests/experiments/stacked/test_scripts.py runs it on the CPU",
    "aggregate.py": "reads a sweep directory; tests/test_docs.py runs it on a real sweep",
    "dd_sweep.py": "not a script: the sweep command bench_sweep.py and gpu_stacked_check.py share",
    "wandb_sweep.py": "tests/test_docs.py runs the documented command; tests/test_wandb_sweep.py checks the file it writes",
}


def test_every_script_is_run_or_listed_with_a_reason():
    scripts = {path.name for path in (ROOT / "scripts").glob("*.py")}
    assert scripts == set(TINY_ARGS) | set(NOT_RUN)


@pytest.fixture(scope="module")
def runner():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "DLR_ROOT": ""}
    server = ForkedRunner(ROOT, env)
    yield server, env
    server.close()


# Over a minute on the shared cores: three memory nets an epoch each; the default run, timed end to end;
# two dd_cnn sweeps.
SLOW = {"memory_generalisation.py", "bench_startup.py", "bench_stacked_cnn.py"}


@pytest.mark.parametrize(
    "script", [pytest.param(s, marks=[pytest.mark.slow] if s in SLOW else []) for s in sorted(TINY_ARGS)]
)
def test_script_prints_only_json_on_stdout(script, runner, tmp_path):
    server, env = runner
    args = [arg.format(tmp=tmp_path) for arg in TINY_ARGS[script]]
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    returncode = server.run(["python", f"scripts/{script}", *args], ROOT, env, stdout, stderr)
    assert returncode == 0, stderr.read_text()[-3000:]
    try:
        result = json.loads(stdout.read_text())
    except json.JSONDecodeError as error:
        pytest.fail(f"{script}: stdout is not one JSON document ({error}):\n{stdout.read_text()[:2000]}")
    assert result, f"{script} printed an empty result"

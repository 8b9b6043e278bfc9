"""launcher=submitit_slurm: the sbatch script submitit writes takes GPUs, time, partition, array and logs
from the config.

A recorder stands in for ``sbatch`` on PATH (and an ``srun`` that submitit looks for): it keeps the script it is given and refuses the submission, so
the sweep stops right after submitit has written everything it would send to SLURM (nothing waits for jobs
that will never run).
"""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

RECORDER = """#!/bin/sh
cp "$1" "$SBATCH_RECORD"
echo "recorder: not submitted" >&2
exit 1
"""


@pytest.mark.slow  # a CLI sweep: about 40 s on a shared CPU
def test_the_sbatch_script_follows_the_launcher_config(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(RECORDER)
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 1\n")  # submitit only checks that it exists
    for tool in ("sbatch", "srun"):
        (bin_dir / tool).chmod(0o755)
    record = tmp_path / "submitted.sh"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SBATCH_RECORD": str(record)}
    command = [
        sys.executable,
        "train.py",
        "-m",
        "launcher=submitit_slurm",
        "hydra.launcher.partition=gpu",
        "hydra.launcher.gpus_per_node=2",
        "hydra.launcher.timeout_min=90",
        "hydra.launcher.array_parallelism=2",
        "hydra.launcher.setup=[module load cuda]",
        f"hydra.sweep.dir={tmp_path}/sweep",
        "seed=1,2,3",
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and record.exists(), done.stderr[-2000:]
    script = record.read_text()
    for line in (
        "#SBATCH --partition=gpu",
        "#SBATCH --gpus-per-node=2",
        "#SBATCH --time=90",
        "#SBATCH --array=0-2%2",  # three jobs, at most two at once
        "#SBATCH --cpus-per-task=4",
        "#SBATCH --mem=16GB",
        f"#SBATCH --output={tmp_path}/sweep/.submitit/%A_%a/%A_%a_0_log.out",
        f"#SBATCH --error={tmp_path}/sweep/.submitit/%A_%a/%A_%a_0_log.err",
        "module load cuda",  # the setup lines run before the job
    ):
        assert line in script.splitlines(), f"{line!r} not in:\n{script}"

"""Every shell command that README.md and docs/*.md show runs as written, from a fresh clone-like directory.

How a command is run (one rule each, so a new command in the docs is picked up without editing this file):

- Where: a new directory per command holding links to every top-level entry of the repository (code,
  conf/, scripts/, tests/, docs) and nothing else, as a fresh clone has, plus ``data/`` linked to one
  generated-data cache for the whole session (a user's second command finds the data cached too).
  Outputs land in that directory's ``outputs/``, as a user's do; nothing is appended to point them there.
- How: ``python ...`` as a process forked from one interpreter that imported dlr once
  (tests/forked_runner.py), with one torch thread (``OMP_NUM_THREADS=1``) as in the rest of the suite.
- Budget, the only thing ever appended: the overrides of every ``BUDGET`` entry whose pattern the
  command matches (epochs, samples, sweep points, trials, script sizes). Later overrides win in Hydra
  and argparse alike, so a budget the command sets itself is shrunk too.
- Placeholders: a command with ``<...>`` or ``ckpt_path=last`` first gets the outputs of the nearest
  command above it in the same doc that has none (``python train.py`` above
  ``python eval.py ckpt_path=outputs/runs/train/<run>/...``); for eval.py and predict.py, of the nearest
  ``train.py`` command, run after its own producer when it has one (a fine-tune, then its evaluation). Each ``<...>`` path is then the newest
  existing path that matches it with ``<...>`` read as ``*`` (``PLACEHOLDER_GLOBS`` for those that are not
  paths). Files a doc asks the user to bring (``my.csv``, ``my_photos``) are written by ``USER_FILES``;
  the MNIST-family sets sit in the shared ``data/`` as tiny files in their real format, as placed by hand.
- Passing: exit code 0, and every run directory the command made (each sweep job included) holds a
  ``completed`` metrics.json, and a resumed one trained past the epoch of the checkpoint it resumed;
  ``python -m pytest`` commands only collect (the suite is this suite).
  A command shown with its output (``$ cmd`` then lines) must print those lines; if it exits non-zero
  (an error example) it must leave no run looking completed.
- ``SKIPPED``: what this machine cannot run, with the reason. Any other skip is a defect.
"""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tests.data.image_formats import write_image_folder, write_mnist
from tests.data.user_files import write_image_parquet, write_labels_csv, write_text_csv
from tests.doc_commands import DocCommand, doc_commands
from tests.doc_workspace import ROOT, Rules, Workspace

COMMANDS = doc_commands(ROOT)

# Under pytest-xdist every command runs on one worker: the workspace starts them all and runs producers first.
pytestmark = pytest.mark.xdist_group("docs")

# Commands run at once: the suite's two cores, one torch thread each.
WORKERS = 2

_MNIST1D = r"^python train\.py(?!.*\bdata=(?!mnist1d\b))(?!.*experiment=(?!dd_mnist1d|dd_cnn|transfer_study))"
BUDGET: list[tuple[str, list[str]]] = [
    (r"^python train\.py", ["trainer.max_epochs=1"]),
    (_MNIST1D, ["data.num_samples=500"]),
    (r"^python train\.py.*\bdata=(copy|recall)\b", ["data.num_samples=256"]),
    (r"^python train\.py.*experiment=dd_mnist1d", ["width=4,300", "data.label_noise=0.15"]),
    # Image sets: the tiny files the workspace holds; a narrow net (an HF text set's model has no width).
    (r"^python train\.py.*\bdata=(mnist|fashion_mnist|kmnist|image_folder)\b", ["width=8"]),
    (r"^python train\.py.*\bdata=hf\b(?!.*text_column)", ["width=8"]),
    (r"^python train\.py.*\bdata\.text_column=", ["data.max_length=16"]),
    # A DBN pretrains each layer first: the epochs must exceed depth x pretrain_epochs.
    (r"^python train\.py.*model=dbn\b", ["model.task.pretrain_epochs=1", "trainer.max_epochs=3"]),
    (r"hydra/sweeper=optuna|hparams_search=optuna", ["hydra.sweeper.n_trials=2"]),
    # Experiment sweeps: fewer sweep points (the ends of each axis, one seed); a later override wins.
    (r"experiment=dd_linear\b", ["width=20,300", "seed=0"]),
    (r"experiment=dd_rff\b", ["width=100,400", "seed=0"]),
    (r"experiment=dd_trees\b", ["width=2,512", "model.estimator.params.n_estimators=1,5"]),
    (r"experiment=dd_boosting\b", ["width=1,10", "model.estimator.params.n_ensemble=1,2"]),
    (r"experiment=dd_rff_pc\b", ["model.net.n_components=10,400", "width=400,800"]),
    (r"experiment=mnist1d_benchmark\b", ["seed=0"]),
    (r"experiment=tabular_mechanisms\b", ["model=hist_gbm,mlp", "data.split_seed=0", "data=spam"]),
    (
        r"experiment=trees_vs_nets\b",
        [
            "tabular_benchmark.n_splits=2",
            "tabular_benchmark.models=[hist_gbm]",
            "tabular_benchmark.structures.table.datasets=[credit]",
            "tabular_benchmark.structures.table.nets=[mlp]",
            "tabular_benchmark.structures.signal.nets=[mlp]",
            "tabular_benchmark.structures.image.nets=[mlp]",
            "tabular_benchmark.structures.sequence.nets=[lstm]",
        ],
    ),
    (r"experiment=bbc_|data=bbc_news", ["data.n_per_class=4", "data.max_length=16"]),
    (
        r"experiment=transfer_study",
        [
            "transfer_study.pretrain.max_epochs=1",
            "transfer_study.finetune.max_steps=2",
            "transfer_study.finetune.seeds=[0]",
            "transfer_study.finetune.labels_per_class=[10]",
        ],
    ),
    (
        r"experiment=tabular_benchmark",
        [
            "tabular_benchmark.n_trials=1",
            "tabular_benchmark.n_splits=1",
            "tabular_benchmark.n_shuffles=2",
            "tabular_benchmark.datasets=[penguins]",
            "tabular_benchmark.models=[hist_gbm,mlp]",
        ],
    ),
    (r"^python -m pytest", ["--collect-only", "-q"]),
    (r"^python scripts/bench_(inference|training)\.py", ["--width", "256", "--rounds", "1"]),
    (r"^python scripts/memory_generalisation\.py", ["--epochs", "1"]),
    (r"^python scripts/obstacles\.py", ["--epochs", "1", "--rounds", "1", "--calls", "1"]),
    (r"^python scripts/obstacles\.py.*model=mlp", ["data.num_samples=500"]),
    (r"^python scripts/bench_sweep\.py", ["--epochs", "1", "--widths", "4,8"]),
    (r"^python scripts/hopfield_capacity\.py", ["--n-units", "64", "--points", "3", "--trials", "1"]),
    (
        r"^python scripts/bench_image_data\.py",
        ["--n", "256", "--width", "4", "--batch", "128", "--workers", "0"],
    ),
    # Last, so it wins: a documented resume trains one epoch more than its producer's 1 (checked below).
    (r"^python train\.py.*\bckpt_path=", ["trainer.max_epochs=2"]),
]

SKIPPED: dict[str, str] = {
    r"^pip install": "installs the environment this suite is already running in",
    r"launcher=submitit_slurm": "needs a SLURM cluster (sbatch and a partition)",
    r"gpu_checks\.sh": "needs a GPU",
    r"^wandb sync": "needs network and a W&B account",
    r"\bdata=(cifar10|cifar100|svhn)\b(?!.*download=false)": "needs the published files (their MD5 sums are checked) "
    "and a network; tests/data/test_torchvision_sets.py runs the download, checksum and extraction code on a "
    "loopback server",
    r"data\.name=ylecun/mnist": "downloads from the Hugging Face Hub; tests/data/test_hf.py reads the same "
    "kinds of files offline",
    r"model(\.net\.source)?=google/|model\.net\.pretrained=true": "downloads weights from the Hugging Face Hub",
    r"^wandb (sweep|agent)\b": "needs network and a W&B account: the sweep lives on W&B's server",
}

PLACEHOLDER_GLOBS = {"<benchmark run dir>": "outputs/runs/*/*"}


def _numeric_table(path: Path) -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(300, 4))
    table = pd.DataFrame(features, columns=[f"x{i}" for i in range(4)])
    table["label"] = (features[:, 0] + features[:, 1] > 0).astype(int)
    table.to_csv(path, index=False)


USER_FILES = {
    "my.csv": _numeric_table,
    "my_photos": lambda path: write_image_folder(path, per_class=10, classes=3, size=40),
    "labels.csv": write_labels_csv,
    "images.parquet": write_image_parquet,
    "news.csv": write_text_csv,
}


def _epochs_of(checkpoint: Path) -> int:
    return torch.load(checkpoint, map_location="cpu", weights_only=True)["epoch"]


def budget_of(text: str) -> list[str]:
    return [override for pattern, overrides in BUDGET if re.search(pattern, text) for override in overrides]


def first_match(table: dict[str, str], text: str) -> str | None:
    return next((reason for pattern, reason in table.items() if re.search(pattern, text)), None)


def normalized(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, request):
    rules = Rules(budget_of, USER_FILES, PLACEHOLDER_GLOBS, WORKERS)
    space = Workspace(tmp_path_factory.mktemp("docs"), rules)
    # The MNIST-family sets as a user who placed the files by hand has them (docs/datasets.md).
    for folder in ("MNIST", "FashionMNIST", "KMNIST"):
        write_mnist(space.data, folder)
    # Start every selected command now, so the runners work in parallel while the tests wait in order.
    for item in request.session.items:
        command = getattr(item, "callspec", None) and item.callspec.params.get("command")
        if isinstance(command, DocCommand) and not item.get_closest_marker("skip"):
            space.submit(command)
    yield space
    space.close()


def marks(command: DocCommand) -> list:
    if skipped := first_match(SKIPPED, command.text):
        return [pytest.mark.skip(reason=skipped)]
    return []


@pytest.mark.parametrize("command", [pytest.param(c, id=c.id, marks=marks(c)) for c in COMMANDS])
def test_doc_command_runs_as_written(command: DocCommand, workspace: Workspace):
    outcome = workspace.submit(command).result()
    returncode, output, made = outcome.returncode, outcome.output, outcome.made
    shown = command.expected_output
    for line in shown:
        assert normalized(line) in normalized(output), (
            f"{command.id}: does not print {line!r}\n{output[-3000:]}"
        )
    records = {}
    for run_dir in made:
        record_file = run_dir / "metrics.json"
        records[run_dir] = json.loads(record_file.read_text()) if record_file.exists() else {"status": "none"}
    if returncode != 0 and shown:  # an error example: it printed its message; nothing looks finished
        assert all(r["status"] != "completed" for r in records.values()), records
        return
    assert returncode == 0, f"{command.id}: exit {returncode}\n{output[-5000:]}"
    unfinished = {
        str(d): r.get("error", r["status"]) for d, r in records.items() if r["status"] != "completed"
    }
    assert not unfinished, f"{command.id}: runs not completed: {unfinished}"
    for run_dir, record in records.items():
        if record.get("resumed_from"):  # a documented resume trains on, not just reloads its checkpoint
            start = _epochs_of(outcome.directory / record["resumed_from"])
            last = run_dir / "checkpoints" / "last.ckpt"  # a run that trains no epoch writes none
            assert last.is_file() and _epochs_of(last) > start, (
                f"{command.id}: resumed at epoch {start}, trained none"
            )
    program = [word for word in command.words if "=" not in word][:2]
    if program in (["python", "train.py"], ["python", "eval.py"]):
        # A re-run of a finished sweep makes no run directory: it skips every job, and says so.
        assert records or "already completed, skipped" in output, f"{command.id}: wrote no run directory"


def test_every_skipped_command_is_still_in_the_docs():
    for pattern in SKIPPED:
        assert any(re.search(pattern, c.text) for c in COMMANDS), f"no doc command matches {pattern!r}"

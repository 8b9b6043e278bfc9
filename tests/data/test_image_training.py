"""Image sets through the real flow: every image model reads their shapes, nets learn them, the record says
which data path ran and with which normalisation, and an augmented run resumes exactly."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dlr.experiments.stacked.plan import stack_blockers
from dlr.run.evaluate import evaluate
from dlr.run.train import train
from tests.conftest import FAST, ROOT
from tests.data.image_formats import write_mnist
from tests.data.test_torchvision_sets import write_tiny_set
from tests.test_resume_exact import COMMON, resume_and_compare


@pytest.fixture
def mnist_root(tmp_path) -> Path:
    write_mnist(tmp_path / "root", n_train=200, n_test=60)
    return tmp_path / "root"


def mnist(root: Path, *extra: str) -> list[str]:
    return ["data=mnist", f"data.root={root}", "data.download=false", *extra]


@pytest.mark.parametrize(
    "model",
    [
        ["model=mlp", "width=8"],
        ["model=cnn", "width=8"],
        ["model=resnet", "width=8", "depth=1"],
        ["model=timm", "model.net.name=resnet10t"],
    ],
    ids=["mlp", "cnn", "resnet", "timm"],
)
def test_image_models_read_the_set_shapes_and_the_record_names_the_data_path(make_cfg, mnist_root, model):
    record = train(make_cfg([*FAST, "trainer.max_epochs=1", *mnist(mnist_root), *model]))
    assert record["status"] == "completed"
    data = record["data"]
    assert data["input_shape"] == [1, 28, 28] and data["output_size"] == 10
    assert data["data_path"] == "in_memory" and len(data["normalization"]["mean"]) == 1


def test_a_cnn_learns_a_tiny_cifar_far_beyond_chance(make_cfg, tmp_path, monkeypatch):
    write_tiny_set("cifar10", tmp_path / "root", monkeypatch)
    overrides = [
        "data=cifar10",
        f"data.root={tmp_path / 'root'}",
        "data.download=false",
        "model=cnn",
        "width=16",
    ]
    record = train(make_cfg([*FAST, "trainer.max_epochs=8", "data.batch_size=16", *overrides]))
    assert record["metrics"]["test/acc"] > 0.6  # chance is 0.1; the class is where a bright square sits


@pytest.mark.parametrize("augment", ["flip_crop", "cutout", "mixup"])
def test_an_augmented_run_stopped_and_resumed_equals_the_straight_run(make_cfg, mnist_root, augment):
    overrides = [
        *COMMON,
        *mnist(mnist_root, f"augment={augment}"),
        "model=cnn",
        "width=4",
        "trainer.max_epochs=3",
    ]
    if augment == "cutout":
        overrides.append("augment.cutout_size=8")
    straight = train(make_cfg(overrides, run_name="straight"))
    stopped = train(make_cfg([*overrides, "trainer.max_epochs=1"], run_name="stopped"))
    assert stopped["status"] == "completed" and straight["data"]["augment"] == augment
    resume_and_compare(make_cfg, overrides, straight)


def test_the_stacked_launcher_trains_an_image_set(tmp_path, mnist_root):
    command = [
        sys.executable,
        "train.py",
        "-m",
        "launcher=stacked",
        *mnist(mnist_root),
        "model=mlp",
        "width=4,8",
    ]
    command += ["trainer.max_epochs=1", f"paths.log_dir={tmp_path}", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "launcher=stacked: 2 jobs in" in result.stdout and "stacked bucket of" in result.stdout
    records = [json.loads(p.read_text()) for p in (tmp_path / "sweep").glob("*/metrics.json")]
    assert [r["status"] for r in records] == ["completed"] * 2
    assert all(r["data"]["input_shape"] == [1, 28, 28] for r in records)


def test_augmented_or_streamed_image_jobs_run_unstacked_and_say_why(make_cfg):
    assert stack_blockers(make_cfg(["data=mnist"])) == []
    assert stack_blockers(make_cfg(["data=mnist", "augment=flip_crop", "data.streaming=true"])) == [
        "augment is not none",
        "data.streaming is true (a stack slices in-memory tensors)",
    ]


def test_eval_of_an_image_run_rebuilds_its_normalisation_and_scores_the_same(make_cfg, mnist_root):
    record = train(make_cfg([*COMMON, "trainer.max_epochs=1", "width=4", "model=cnn", *mnist(mnist_root)]))
    checkpoint = Path(record["run_dir"]) / "checkpoints" / "last.ckpt"
    evaluated = evaluate(make_cfg([f"ckpt_path={checkpoint}", "logger=none"], config_name="eval"))
    # The same test images, normalised with the same training statistics, give the same predictions.
    assert evaluated["metrics"]["test/acc"] == record["metrics"]["test/acc"]
    assert evaluated["metrics"]["test/loss"] == pytest.approx(record["metrics"]["test/loss"], rel=1e-6)

"""The real train/eval flow, in-process: it learns, records, evaluates, resumes exactly and reproduces."""

import json
from pathlib import Path

import pytest

from dlr.run.evaluate import evaluate
from dlr.run.train import train
from tests.conftest import FAST, run_cli

SMALL = ["data.num_samples=1000", "logger=none", "trainer.num_sanity_val_steps=0"]


def test_default_mlp_learns_mnist1d_and_writes_record(make_cfg):
    cfg = make_cfg(["trainer.max_epochs=8", "logger=csv"])
    record = train(cfg)
    assert record["status"] == "completed"
    assert record["metrics"]["test/acc"] > 0.3  # chance is 0.1
    on_disk = json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())
    assert on_disk["status"] == "completed" and on_disk["seed"] == 0
    assert on_disk["metrics"]["params/total"] == (40 * 100 + 100) + (100 * 100 + 100) + (100 * 10 + 10)
    assert {"train/loss", "val/acc", "test/acc", "params/trainable"} <= set(on_disk["metrics"])
    assert (Path(cfg.paths.output_dir) / "csv" / "metrics.csv").is_file()
    assert (Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt").is_file()


def test_eval_of_last_checkpoint_matches_training_test_metrics(make_cfg):
    # 100 samples at a high learning rate overfit: val/loss stops improving, so the best checkpoint is not the last.
    overfit = ["data.n_train=100", "optimizer.lr=0.03", "trainer.max_epochs=15"]
    trained = train(make_cfg([*SMALL, *overfit], run_name="train"))
    assert "epoch014" not in trained["best_checkpoint"]
    last = Path(trained["run_dir"]) / "checkpoints" / "last.ckpt"
    evaluated = evaluate(make_cfg([f"ckpt_path={last}", "logger=none"], config_name="eval", run_name="eval"))
    assert evaluated["status"] == "completed"
    assert evaluated["metrics"]["test/acc"] == pytest.approx(trained["metrics"]["test/acc"], abs=1e-7)
    assert evaluated["metrics"]["test/loss"] == pytest.approx(trained["metrics"]["test/loss"], rel=1e-6)


def test_a_finished_run_continued_to_more_epochs_equals_the_longer_run_exactly(make_cfg):
    """``ckpt_path=last`` on a run that ended after 2 epochs, trained to 4, gives the 4-epoch run's metrics
    bit for bit. (A run stopped by a signal or kill -9 and resumed: tests/test_resume_exact.py.)"""
    # Dropout and a cosine schedule make the RNG and scheduler state matter.
    common = [*SMALL, "model.net.dropout=0.2", "scheduler=cosine", "scheduler.T_max=4"]
    whole = train(make_cfg([*common, "trainer.max_epochs=4"], run_name="whole"))
    first = train(make_cfg([*common, "trainer.max_epochs=2"], run_name="first"))
    resumed = train(make_cfg([*common, "trainer.max_epochs=4", "ckpt_path=last"], run_name="resumed"))
    assert resumed["resumed_from"].startswith(first["run_dir"])
    for key in ("train/loss", "val/loss", "test/loss", "test/acc"):
        assert resumed["metrics"][key] == whole["metrics"][key], key


def test_same_seed_same_metrics_other_seed_differs(make_cfg):
    runs = [
        train(make_cfg([*FAST, "data.num_samples=1000", f"seed={s}"], run_name=f"s{i}"))
        for i, s in enumerate((3, 3, 4))
    ]
    learned = [
        {k: v for k, v in run["metrics"].items() if k.split("/")[0] in ("train", "val", "test")}
        for run in runs
    ]
    assert learned[0] == learned[1] and len(learned[0]) >= 6  # measured memory may differ, learning may not
    assert runs[0]["metrics"]["train/loss"] != runs[2]["metrics"]["train/loss"]


def test_label_noise_indices_are_saved_in_the_run(make_cfg):
    cfg = make_cfg([*FAST, "data.num_samples=1000", "data.label_noise=0.25", "trainer.max_epochs=1"])
    train(cfg)
    saved = json.loads((Path(cfg.paths.output_dir) / "label_noise_indices.json").read_text())
    assert saved["label_noise"] == 0.25 and len(saved["indices"]) == round(0.25 * 720)


def test_several_batches_per_step_train_exactly_like_one(make_cfg):
    common = [
        *FAST,
        "data.num_samples=1000",
        "model.net.dropout=0.1",
        "scheduler=step",
        "scheduler.step_size=1",
    ]
    one = train(make_cfg([*common, "data.batches_per_step=1"], run_name="one"))
    grouped = train(make_cfg([*common, "data.batches_per_step=4"], run_name="grouped"))
    for key in ("train/loss", "val/loss", "test/loss", "test/acc"):
        assert grouped["metrics"][key] == pytest.approx(one["metrics"][key], rel=1e-6), key


def test_cli_run_uses_the_torch_threads_asked_for(tmp_path, data_dir):
    result = run_cli(
        "torch_threads=1",
        *SMALL,
        "trainer.max_epochs=1",
        "callbacks=none",
        f"paths.data_dir={data_dir}",
        log_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (record,) = [json.loads(p.read_text()) for p in tmp_path.rglob("metrics.json")]
    assert record["status"] == "completed" and record["timing"]["torch_threads"] == 1

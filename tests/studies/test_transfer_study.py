"""A reduced transfer study: with few labels, a pretrained net beats the same net trained from scratch."""

import json
from pathlib import Path

from dlr.experiments.transfer_study import run_transfer_study
from dlr.run.train import train

REDUCED = [
    "experiment=transfer_study",
    "transfer_study.finetune.labels_per_class=[10]",
    "transfer_study.finetune.seeds=[0]",
    "transfer_study.pretrain.max_epochs=8",
    "transfer_study.finetune.max_steps=60",
    "~transfer_study.strategies.freeze_first_2",
    "~transfer_study.strategies.lora",
]


def test_pretraining_beats_scratch_with_few_labels(make_cfg):
    cfg = make_cfg(REDUCED)
    record = train(cfg, run_transfer_study)
    metrics = record["metrics"]
    assert metrics["pretrain/test_acc"] > 0.6  # digits 0-4: chance is 0.2
    scratch = metrics["scratch/n10/test_acc"]
    assert metrics["full_finetune/n10/test_acc"] > scratch + 0.1, metrics
    study = Path(cfg.paths.output_dir)
    assert (study / "transfer_study.png").stat().st_size > 10_000 and "| linear_probe " in (
        study / "results.md"
    ).read_text()
    finetuned = json.loads((study / "linear_probe_n10_seed0" / "metrics.json").read_text())
    assert finetuned["metrics"]["params/trainable"] == 32 * 5 + 5 and finetuned["data"]["n_train"] == 50

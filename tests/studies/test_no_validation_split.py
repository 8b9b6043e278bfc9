"""``data.val_fraction=0`` means no validation: the test split is never validated on or selected on."""

from pathlib import Path

from dlr.run.train import train
from dlr.tasks.from_config import build_datamodule


def test_no_validation_split_serves_no_validation_batches(make_cfg):
    datamodule = build_datamodule(make_cfg(["data.num_samples=200", "data.val_fraction=0"]))
    assert not datamodule.has_validation
    assert len(datamodule.val_dataloader()) == 0 and len(datamodule.test_dataloader()) > 0


def test_no_validation_split_drops_checkpoint_selection_and_never_scores_test_early(make_cfg, capsys):
    cfg = make_cfg(["data.num_samples=400", "data.val_fraction=0", "trainer.max_epochs=2", "logger=none"])
    record = train(cfg)
    assert record["status"] == "completed", record.get("error")
    assert "data.val_fraction=0: no validation split, so callbacks monitoring val/* are dropped: " in (
        capsys.readouterr().out.replace("\n", "")
    )
    assert not any(key.startswith("val/") for key in record["metrics"])
    assert record["best_checkpoint"] is None
    checkpoints = Path(cfg.paths.output_dir) / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) == ["last.ckpt"]
    assert record["metrics"]["test/acc"] > 0.1  # tested once, at the end

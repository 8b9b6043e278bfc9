"""tune=lr_find and tune=batch_size: Lightning's Tuner runs before the fit, and its suggestion is what the run
trains with (optimizer, stored config, record); batch groups stay on for the fit."""

import matplotlib.image
import torch

from dlr.run.train import train
from tests.test_bad_input import fails_with

RUN = [
    "trainer.max_epochs=2",
    "logger=none",
    "trainer.num_sanity_val_steps=0",
    "data.num_samples=1000",
    "data.batch_size=32",
    "callbacks=default",
    "~callbacks.progress_bar",
    "~callbacks.model_summary",
    "callbacks.last_checkpoint.every_s=0",
]


def last_checkpoint(record: dict) -> dict:
    return torch.load(f"{record['run_dir']}/checkpoints/last.ckpt", weights_only=True)


def test_lr_find_suggestion_lands_in_the_optimizer_the_stored_config_and_the_record(make_cfg, capsys):
    record = train(make_cfg([*RUN, "tune=lr_find"]))
    assert record["status"] == "completed"
    tuned = record["tune"]
    suggestion = tuned["suggestion"]
    assert tuned["applied"] and tuned["key"] == "optimizer.lr" and suggestion != tuned["configured"] == 0.003
    checkpoint = last_checkpoint(record)
    assert [g["lr"] for g in checkpoint["optimizer_states"][0]["param_groups"]] == [suggestion]
    assert checkpoint["dlr_config"]["optimizer"]["lr"] == suggestion
    assert (
        f"tune=lr_find: suggested optimizer.lr={suggestion:.4g} (configured 0.003); used"
        in capsys.readouterr().out
    )
    assert record["data"]["batches_per_step"] == 32  # the fit still groups its batches
    height, width, _ = matplotlib.image.imread(tuned["plot"]).shape
    assert (height, width) == (525, 750)  # 5 x 3.5 inches at 150 dpi


def test_lr_find_not_applied_leaves_the_run_exactly_as_untuned(make_cfg):
    untuned = train(make_cfg(RUN, run_name="untuned"))
    reported = train(make_cfg([*RUN, "tune=lr_find", "tune.apply=false"], run_name="reported"))
    assert reported["tune"]["suggestion"] is not None and not reported["tune"]["applied"]
    assert reported["metrics"]["test/loss"] == untuned["metrics"]["test/loss"]  # random streams put back
    lr = last_checkpoint(reported)["optimizer_states"][0]["param_groups"][0]["lr"]
    assert lr == 0.003


def test_batch_size_finder_sets_the_batch_size_the_fit_uses(make_cfg):
    record = train(make_cfg([*RUN, "tune=batch_size"]))
    size = record["tune"]["suggestion"]
    assert record["tune"]["applied"] and size == 720  # nothing runs out of memory on a CPU: one batch
    checkpoint = last_checkpoint(record)
    assert checkpoint["dlr_config"]["data"]["batch_size"] == size
    assert checkpoint["global_step"] == 2 * -(-720 // size)  # two epochs of optimizer steps at that size


def test_a_resumed_tuned_run_takes_the_value_from_its_checkpoint_and_equals_the_straight_run(make_cfg):
    straight = train(make_cfg([*RUN, "tune=lr_find", "trainer.max_epochs=3"], run_name="straight"))
    first = train(make_cfg([*RUN, "tune=lr_find"], run_name="first"))
    resumed = train(
        make_cfg([*RUN, "tune=lr_find", "trainer.max_epochs=3", "ckpt_path=last"], run_name="resumed")
    )
    assert resumed["tune"] == {
        "finder": "lr_find",
        "key": "optimizer.lr",
        "resumed": first["tune"]["suggestion"],
    }
    assert resumed["metrics"]["test/loss"] == straight["metrics"]["test/loss"]


def test_tuning_a_task_that_steps_its_own_optimizers_is_refused_in_one_line(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        ["tune=lr_find", "model=gan", "data=digits", "trainer.max_epochs=1"],
        "tune: AdversarialTask steps its own optimizers",
    )

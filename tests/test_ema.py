"""callbacks=ema: the average of every optimizer step, batch groups included; validation, test, checkpoints
and eval.py use it; resume restores both sets of weights exactly."""

import pytest
import pytorch_lightning as pl
import torch

from dlr.run.evaluate import evaluate, rebuild_run
from dlr.run.train import train
from tests.conftest import FAST
from tests.test_bad_input import fails_with
from tests.test_resume_exact import assert_identical

DECAY = 0.9  # far from 1, so that an average missing steps (or taking extra ones) is far from the right one
EMA = [
    *FAST,
    "data.num_samples=1000",
    "data.batch_size=32",  # 23 batches an epoch
    "callbacks=ema",
    f"callbacks.ema.decay={DECAY}",
    "~callbacks.progress_bar",
    "callbacks.last_checkpoint.every_s=0",
]


class RawWeightsPerStep(pl.Callback):
    """The weights after each Lightning step: after each optimizer step in a run of one batch per step."""

    steps: list[dict[str, torch.Tensor]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        RawWeightsPerStep.steps.append({k: v.detach().clone() for k, v in pl_module.state_dict().items()})


def last_checkpoint(record: dict) -> dict:
    return torch.load(f"{record['run_dir']}/checkpoints/last.ckpt", weights_only=True)


def test_average_in_batch_groups_equals_a_hand_computed_ema_over_every_step(make_cfg):
    RawWeightsPerStep.steps = []
    probe = "+callbacks.probe._target_=tests.test_ema.RawWeightsPerStep"
    one_per_step = train(make_cfg([*EMA, "data.batches_per_step=1", probe], run_name="one"))
    grouped = train(make_cfg(EMA, run_name="grouped"))
    assert one_per_step["status"] == grouped["status"] == "completed"
    assert grouped["data"]["batches_per_step"] == 32
    steps = RawWeightsPerStep.steps
    assert len(steps) == 3 * 23
    expected = dict(steps[0])  # AveragedModel starts from the weights after the first step
    for weights in steps[1:]:
        expected = {k: DECAY * expected[k] + (1 - DECAY) * weights[k] for k in expected}
    checkpoint = last_checkpoint(grouped)
    assert int(checkpoint["averaging_state"]["n_averaged"]) == 3 * 23
    for key, value in expected.items():
        torch.testing.assert_close(checkpoint["state_dict"][key], value, rtol=1e-5, atol=1e-6, msg=key)
        torch.testing.assert_close(checkpoint["current_model_state"][key], steps[-1][key], msg=key)


def test_validation_test_and_eval_use_the_averaged_weights(make_cfg):
    record = train(make_cfg(EMA))
    last = f"{record['run_dir']}/checkpoints/last.ckpt"
    evaluated = evaluate(make_cfg([f"ckpt_path={last}", "logger=none"], config_name="eval", run_name="eval"))
    assert evaluated["metrics"]["test/loss"] == pytest.approx(record["metrics"]["test/loss"], rel=1e-6)

    cfg = make_cfg([f"ckpt_path={last}"], config_name="eval", run_name="rebuilt")
    run = rebuild_run(cfg, cfg.paths.output_dir)  # loads the checkpoint's state_dict: the average
    trainer = pl.Trainer(
        accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False
    )
    averaged_val = trainer.validate(run.task, datamodule=run.datamodule, verbose=False)[0]["val/loss"]
    assert averaged_val == pytest.approx(record["metrics"]["val/loss"], rel=1e-6)
    run.task.load_state_dict(last_checkpoint(record)["current_model_state"])
    raw_val = trainer.validate(run.task, datamodule=run.datamodule, verbose=False)[0]["val/loss"]
    assert raw_val != pytest.approx(averaged_val, rel=1e-3)


def test_resume_restores_both_weight_sets_exactly(make_cfg):
    straight = train(make_cfg([*EMA, "trainer.max_epochs=4"], run_name="straight"))
    train(make_cfg([*EMA, "trainer.max_epochs=2"], run_name="first_half"))  # ends with the average swapped in
    resumed = train(make_cfg([*EMA, "trainer.max_epochs=4", "ckpt_path=last"], run_name="resumed"))
    assert resumed["resumed_from"].endswith("first_half/checkpoints/last.ckpt")
    keys = ("state_dict", "current_model_state", "averaging_state", "optimizer_states", "dlr_rng")
    found, expected = last_checkpoint(resumed), last_checkpoint(straight)
    assert_identical({k: found[k] for k in keys}, {k: expected[k] for k in keys}, "checkpoint")
    assert resumed["metrics"]["test/loss"] == straight["metrics"]["test/loss"]


def test_ema_of_a_task_with_two_optimizers_is_refused_in_one_line(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        ["callbacks=ema", "model=gan", "data=digits", "trainer.max_epochs=1"],
        "callbacks.ema: AdversarialTask steps 2 optimizers",
    )

"""data.batches_per_step: what auto picks, and that a group trains exactly as one batch per step does."""

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.plugins.precision import MixedPrecision

from dlr.run import batch_groups
from dlr.run.checkpoints.last import LastCheckpoint
from dlr.run.train import train
from dlr.tasks.supervised import SupervisedTask
from tests.conftest import FAST

SMALL = [*FAST, "data.num_samples=1000", "data.batch_size=32"]  # 720 training samples: 23 batches an epoch


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], batch_groups.AUTO_BATCHES_PER_STEP),
        (["trainer.limit_train_batches=5"], 1),  # Lightning counts these limits in its own steps
        (["+trainer.max_steps=40"], 1),
        (["model=vae", "data=digits"], 1),  # a task that takes one batch per step
    ],
)
def test_auto_groups_batches_only_where_nothing_counts_lightning_steps(make_cfg, overrides, expected):
    small = [] if any(o.startswith("data=") for o in overrides) else ["data.num_samples=1000"]
    record = train(make_cfg([*FAST, *small, "trainer.max_epochs=1", *overrides]))
    assert record["status"] == "completed"
    assert record["data"]["batches_per_step"] == expected


def _trained(make_cfg, name: str, extra: list[str]) -> tuple[dict, dict]:
    cfg = make_cfg(
        [*SMALL, "callbacks=default", "~callbacks.progress_bar", "model.net.dropout=0.1", *extra],
        run_name=name,
    )
    record = train(cfg)
    checkpoint = torch.load(f"{cfg.paths.output_dir}/checkpoints/last.ckpt", weights_only=True)
    return record, checkpoint


def test_plain_torch_steps_equal_lightnings_manual_steps(make_cfg, monkeypatch):
    plain, plain_ckpt = _trained(make_cfg, "plain", ["data.batches_per_step=8"])
    monkeypatch.setattr(batch_groups, "plain_steps_allowed", lambda trainer, task: False)
    wrapped, wrapped_ckpt = _trained(make_cfg, "wrapped", ["data.batches_per_step=8"])
    for key in ("train/loss", "val/loss", "test/acc"):
        assert plain["metrics"][key] == pytest.approx(wrapped["metrics"][key], rel=1e-6), key
    # global_step counts optimizer steps on both paths: 3 epochs of 23 batches
    assert plain_ckpt["global_step"] == wrapped_ckpt["global_step"] == 3 * 23


class _GradientProbe(pl.Callback):
    def on_after_backward(self, trainer, pl_module):
        pass


def _trainer(callbacks: list, **kwargs) -> pl.Trainer:
    return pl.Trainer(accelerator="cpu", logger=False, callbacks=callbacks, **kwargs)


def test_plain_steps_need_quiet_hooks_and_no_loss_scaling():
    task = SupervisedTask
    scaled = MixedPrecision("16-mixed", "cpu", scaler=torch.amp.GradScaler("cpu"))
    assert batch_groups.plain_steps_allowed(_trainer([LastCheckpoint(".")]), task)
    assert batch_groups.plain_steps_allowed(
        _trainer([], precision="bf16-mixed", enable_checkpointing=False), task
    )
    assert not batch_groups.plain_steps_allowed(
        _trainer([_GradientProbe()], enable_checkpointing=False), task
    )
    assert not batch_groups.plain_steps_allowed(
        _trainer([], plugins=[scaled], enable_checkpointing=False), task
    )


def test_last_checkpoint_waits_every_s_between_epoch_writes_and_always_writes_at_the_end(
    make_cfg, monkeypatch
):
    writes = []
    monkeypatch.setattr(LastCheckpoint, "_save", lambda self, trainer: writes.append(trainer.current_epoch))
    for every_s, expected in ((0, [0, 1, 2, 3]), (3600, [3])):  # 3 epochs; the last write is at the end
        writes.clear()
        callback = [
            "+callbacks.last_checkpoint._target_=dlr.run.checkpoints.last.LastCheckpoint",
            "+callbacks.last_checkpoint.dirpath=${paths.output_dir}",
            f"+callbacks.last_checkpoint.every_s={every_s}",
        ]
        train(make_cfg([*SMALL, *callback], run_name=f"every_{every_s}"))
        assert writes == expected, every_s


class CountBatchEnds(pl.Callback):
    """A user's per-step callback that dlr knows nothing about: it counts ``on_train_batch_end`` calls."""

    calls = 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        type(self).calls += 1


def test_a_callback_dlr_does_not_know_turns_batch_groups_off_and_says_so(make_cfg, capsys):
    CountBatchEnds.calls = 0
    counter = f"+callbacks.counter._target_={__name__}.CountBatchEnds"
    record = train(make_cfg([*SMALL, "trainer.max_epochs=2", counter]))
    assert record["data"]["batches_per_step"] == 1
    steps = 2 * 23  # 720 training samples in batches of 32, two epochs
    assert CountBatchEnds.calls == steps  # it saw every optimizer step, not one per group of 32
    assert "data.batches_per_step=auto: one batch per step, since CountBatchEnds" in capsys.readouterr().out


def test_known_callbacks_and_loggers_keep_batch_groups_with_plain_steps(make_cfg):
    cfg = make_cfg([*SMALL, "trainer.max_epochs=1", "callbacks=default", "logger=many"])
    from dlr.run import build

    trainer = build.build_trainer(cfg, build.build_callbacks(cfg), build.build_loggers(cfg, "/tmp/x", None))
    assert batch_groups.unknown_parts(trainer) == []


@pytest.mark.parametrize("batches_per_step", ["1", "auto"])
def test_a_non_finite_loss_inside_a_group_names_the_step_as_one_batch_per_step_does(
    make_cfg, capsys, batches_per_step
):
    cfg = make_cfg(
        [
            *SMALL,
            "optimizer=sgd",
            "optimizer.lr=1e30",
            "optimizer.momentum=0",
            f"data.batches_per_step={batches_per_step}",
        ],
        run_name=batches_per_step,
    )
    with pytest.raises(SystemExit) as stop:
        train(cfg)
    assert stop.value.code == 1
    assert (
        capsys.readouterr().err.strip() == "error: non-finite loss at step 1"
    )  # the first step sends the weights to inf


def test_every_callback_the_allow_list_names_exists():
    from hydra.utils import get_class

    for name in batch_groups.GROUP_SAFE_CALLBACKS | batch_groups.CHECK_PLAIN_GROUPS:
        assert f"{get_class(name).__module__}.{get_class(name).__qualname__}" == name

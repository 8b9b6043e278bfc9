"""The task is built once, with everything passed to its constructor: nothing in dlr assigns to it later."""

import re
from pathlib import Path

import pytorch_lightning as pl

from dlr.run.train import train
from dlr.tasks import from_config
from tests.conftest import FAST

PACKAGE = Path(__file__).resolve().parents[1] / "dlr"
# `task.x = ...` or `pl_module.x = ...`, but not `==`: an assignment to a task from outside it.
ASSIGNMENT = re.compile(r"\b(task|pl_module)\.[A-Za-z_]+\s*=(?!=)")


def test_no_module_outside_the_tasks_assigns_to_a_task():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if PACKAGE / "tasks" not in path.parents
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ASSIGNMENT.search(line)
    ]
    assert not found, "assignments to a built task:\n" + "\n".join(found)


def _fields(task: pl.LightningModule) -> dict:
    """The task's own state: its public attributes and its submodules (the net), by identity."""
    return {
        **{name: id(value) for name, value in vars(task).items() if not name.startswith("_")},
        **{f"module:{name}": id(module) for name, module in task.named_children()},
        "automatic_optimization": task.automatic_optimization,
    }


class TaskAtFitStart(pl.Callback):
    seen: list[dict] = []

    def setup(self, trainer, pl_module, stage):
        if stage == "fit":
            TaskAtFitStart.seen.append(_fields(pl_module))


def test_the_trainer_set_up_finds_the_task_as_it_was_built(make_cfg, monkeypatch):
    built = []

    def recorded_build_task(*args, **kwargs):
        task = build_task(*args, **kwargs)
        built.append(_fields(task))
        return task

    build_task = from_config.build_task
    monkeypatch.setattr(from_config, "build_task", recorded_build_task)
    TaskAtFitStart.seen = []
    probe = f"+callbacks.probe._target_={__name__}.TaskAtFitStart"
    # gradual unfreezing (a callback, frozen parameters in the optimizer) and batch groups (manual steps)
    cfg = make_cfg(
        [
            *FAST,
            "trainer.max_epochs=1",
            "transfer=gradual_unfreeze",
            "data.num_samples=1000",
            "data.batches_per_step=32",
            probe,
        ]
    )
    record = train(cfg)
    assert record["status"] == "completed" and record["data"]["batches_per_step"] > 1
    assert len(built) == 1 and TaskAtFitStart.seen == built

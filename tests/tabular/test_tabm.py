"""TabM (the `tabm` package in dlr's net and task) learns small tables; its members train on their own losses."""

import torch
import torch.nn.functional as F

from dlr.run.train import train
from dlr.tasks.ensemble_members import EnsembleMembersTask
from tests.conftest import FAST

SMALL = ["model=tabm", "model.net.width=32", "model.net.depth=2", "model.net.k=4", *FAST]


def test_tabm_beats_majority_class_on_penguins(make_cfg):
    record = train(make_cfg([*SMALL, "data=penguins", "trainer.max_epochs=8"]))
    assert record["metrics"]["test/acc"] > 0.44 + 0.3  # Adelie, the largest class, is 44%


def test_tabm_beats_the_mean_on_carseats_regression(make_cfg):
    record = train(make_cfg([*SMALL, "data=carseats", "trainer.max_epochs=15"]))
    assert record["metrics"]["test/r2"] > 0.3  # the mean scores 0


def test_each_member_is_trained_on_its_own_loss():
    task = EnsembleMembersTask(
        torch.nn.Identity(), data_info={"task_type": "classification", "output_size": 2}
    )
    y = torch.tensor([0])
    outputs = torch.tensor(
        [[[4.0, -4.0], [-4.0, 4.0]]]
    )  # member 0 right, member 1 wrong: (batch, k, classes)
    members = (F.cross_entropy(outputs[:, 0], y) + F.cross_entropy(outputs[:, 1], y)) / 2
    assert torch.isclose(task.loss(outputs, y), members)
    assert task.loss(outputs, y) > F.cross_entropy(outputs.mean(1), y) + 1  # not the loss of the mean logits


def test_the_ensemble_predicts_with_the_members_mean_probability():
    task = EnsembleMembersTask(
        torch.nn.Identity(), data_info={"task_type": "classification", "output_size": 2}
    )
    # Two members mildly for class 0, one sure of class 1: mean probability says 0, mean logits would say 1.
    outputs = torch.tensor([[[1.0, -1.0], [1.0, -1.0], [-10.0, 10.0]]])
    assert outputs.mean(1).argmax(-1).tolist() == [1]
    assert task.predictions(outputs, torch.tensor([0])).tolist() == [0]

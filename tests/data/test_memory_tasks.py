"""Copy and associative recall data: layout, scoring mask, padding, longer test sequences and seeding."""

import pytest
import torch

from dlr.data.memory_tasks import IGNORED, AssociativeRecallDataModule, CopyDataModule
from dlr.errors import ConfigError
from dlr.tasks.from_config import build_datamodule


def scored_steps(y: torch.Tensor) -> torch.Tensor:
    return (y != IGNORED).all(-1).sum(-1)


def test_copy_targets_repeat_the_inputs_after_the_delimiter():
    data = CopyDataModule(bits=3, min_len=2, max_len=4, num_samples=50, num_test=20)
    generator = torch.Generator().manual_seed(0)
    inputs, targets = data.example(3, generator)
    assert inputs.shape == (7, 4) and targets.shape == (7, 3)
    assert torch.equal(inputs[3], torch.tensor([0.0, 0.0, 0.0, 1.0]))  # the delimiter, alone on its channel
    assert torch.equal(targets[4:], inputs[:3, :3]) and (targets[:4] == IGNORED).all()
    assert (inputs[4:] == 0).all()  # nothing to read while writing


def test_recall_target_is_the_item_after_the_query():
    data = AssociativeRecallDataModule(bits=4, item_len=2, min_len=2, max_len=5, num_samples=50, num_test=20)
    for seed in range(5):
        inputs, targets = data.example(4, torch.Generator().manual_seed(seed))
        assert len(inputs) == data.steps(4) == 4 * 3 + 2 * 2 + 2
        items = inputs[: 4 * 3].view(4, 3, 6)[:, 1:, :4]  # drop each item's delimiter step
        assert (inputs[: 4 * 3 : 3, 4] == 1).all() and (inputs[12, 5] == 1) and (inputs[15, 5] == 1)
        query = inputs[13:15, :4]
        position = next(i for i in range(3) if torch.equal(items[i], query))
        assert torch.equal(targets[-2:], items[position + 1]) and (targets[:-2] == IGNORED).all()


def test_splits_are_padded_and_the_test_split_adds_longer_sequences(make_cfg):
    data = build_datamodule(
        make_cfg(["data=copy", "data.bits=5", "data.max_len=4", "data.num_samples=200", "data.num_test=30"])
    )
    assert (
        data.data_kind == "sequence_to_sequence"
        and data.output_size == 5
        and data.input_shape == (2 * 8 + 1, 6)
    )
    assert data.describe()["max_train_steps"] == 9
    lengths = scored_steps(data.test.y)
    assert (
        len(lengths) == 60 and lengths[:30].max() <= 4 and lengths[30:].min() >= 5 and lengths[30:].max() <= 8
    )
    assert 1 <= scored_steps(data.train.y).min() and scored_steps(data.train.y).max() <= 4


def test_generation_is_seeded():
    def draw(seed: int) -> torch.Tensor:
        data = AssociativeRecallDataModule(num_samples=20, num_test=5, dataset_seed=seed)
        return data.load()[0].x

    assert torch.equal(draw(0), draw(0)) and not torch.equal(draw(0), draw(1))


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"max_len": 5, "test_min_len": 5}, "data.test_min_len"),
        ({"min_len": 0}, "data.min_len"),
        ({"bits": 0}, "data.bits"),
    ],
)
def test_bad_lengths_fail_naming_the_key(options, key):
    with pytest.raises(ConfigError, match=key):
        CopyDataModule(**options)
    with pytest.raises(ConfigError, match="data.min_len"):
        AssociativeRecallDataModule(min_len=1)

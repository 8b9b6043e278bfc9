"""The streaming path: over the memory budget, a DataLoader with workers serves the same epochs (order and
normalisation) as the in-memory path, its augmentation does not depend on the number of workers, and a
streamed run resumes exactly."""

import pytest
import torch
from torch.utils.data import DataLoader

from dlr.run.train import train
from dlr.tasks import from_config
from tests.data.image_formats import write_mnist
from tests.test_resume_exact import COMMON, resume_and_compare


@pytest.fixture
def mnist_root(tmp_path):
    write_mnist(tmp_path / "root", n_train=100, n_test=30)
    return tmp_path / "root"


def mnist(root, *extra: str) -> list[str]:
    return [
        "data=mnist",
        f"data.root={root}",
        "data.download=false",
        "model=cnn",
        "data.batch_size=32",
        *extra,
    ]


def first_epoch(make_cfg, overrides: list[str]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    datamodule = from_config.build_datamodule(make_cfg(overrides))
    return [tuple(batch) for batch in datamodule.train_dataloader()]


def test_a_set_over_the_memory_budget_streams_through_a_dataloader_with_workers(make_cfg, mnist_root, capsys):
    datamodule = from_config.build_datamodule(
        make_cfg(mnist(mnist_root, "data.memory_budget_gb=0.0001", "data.num_workers=2"))
    )
    assert (
        "data=mnist: 130 images 1x28x28, 0.00 GB as float32, streaming (budget 0.0 GB)"
        in capsys.readouterr().out
    )
    loader = datamodule.train_dataloader()
    assert isinstance(loader.loader, DataLoader) and loader.loader.num_workers == 2
    assert (
        datamodule.describe()["data_path"] == "streaming" and datamodule.train.x.dtype == torch.long
    )  # indices
    x, y = next(iter(loader))
    assert x.shape == (32, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.long


def test_streamed_epochs_are_the_in_memory_epochs(make_cfg, mnist_root):
    in_memory = first_epoch(make_cfg, mnist(mnist_root))
    streamed = first_epoch(make_cfg, mnist(mnist_root, "data.streaming=true", "data.num_workers=0"))
    assert len(streamed) == len(in_memory) == 3  # 90 training images in batches of 32
    for (x, y), (x_mem, y_mem) in zip(streamed, in_memory, strict=True):
        assert torch.equal(y, y_mem)
        torch.testing.assert_close(x, x_mem)  # the same images, normalised alike (statistics of all 90)


def test_streamed_augmentation_does_not_depend_on_the_number_of_workers(make_cfg, mnist_root):
    options = ["data.streaming=true", "augment=mixup"]
    alone = first_epoch(make_cfg, mnist(mnist_root, *options, "data.num_workers=0"))
    shared = first_epoch(make_cfg, mnist(mnist_root, *options, "data.num_workers=2"))
    plain = first_epoch(make_cfg, mnist(mnist_root, "data.streaming=true", "data.num_workers=0"))
    for (x, y), (x_shared, y_shared), (x_plain, _) in zip(alone, shared, plain, strict=True):
        assert torch.equal(x, x_shared) and torch.equal(y, y_shared)
        assert y.shape == (len(x), 10) and not torch.equal(x, x_plain)  # mixed, as class shares


def test_a_streamed_augmented_run_stopped_and_resumed_equals_the_straight_run(make_cfg, mnist_root):
    overrides = [
        *COMMON,
        *mnist(mnist_root, "data.streaming=true", "augment=flip_crop", "data.num_workers=0"),
    ]
    overrides += ["width=4", "trainer.max_epochs=3"]
    straight = train(make_cfg(overrides, run_name="straight"))
    assert straight["data"]["data_path"] == "streaming"
    train(make_cfg([*overrides, "trainer.max_epochs=1"], run_name="stopped"))
    resume_and_compare(make_cfg, overrides, straight)

"""augment=: the batched ops equal torchvision.transforms.v2 per sample given the same draws, are a function of
(seed, epoch, rank, batch), and augmentation that cannot apply is refused in one line."""

import pytest
import torch
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from dlr.data.augment import Augmentation, BatchAugment, mixup
from tests.data.image_formats import write_mnist
from tests.fake_device import DEVICE, FakeAccelerator, FakeDeviceTensor
from tests.test_bad_input import fails_with

FLIP_CROP = Augmentation("flip_crop", flip=True, crop_padding=4)
CUTOUT = Augmentation("cutout", flip=True, crop_padding=4, cutout_size=5)


def batch(n: int = 16, shape=(3, 12, 14)) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return torch.randn(n, *shape, generator=generator), torch.arange(n) % 10


def per_sample(x: torch.Tensor, draws: dict, augmentation: Augmentation) -> torch.Tensor:
    """The same draws applied image by image with torchvision.transforms.v2.functional."""
    height, width = x.shape[-2:]
    out = []
    for i, image in enumerate(x):
        image = TF.crop(
            TF.pad(image, [augmentation.crop_padding]),
            int(draws["tops"][i]),
            int(draws["lefts"][i]),
            height,
            width,
        )
        if draws["flips"][i]:
            image = TF.horizontal_flip(image)
        if augmentation.cutout_size:
            size = augmentation.cutout_size
            image = TF.erase(
                image, int(draws["cut_tops"][i]), int(draws["cut_lefts"][i]), size, size, torch.tensor(0.0)
            )
        out.append(image)
    return torch.stack(out)


@pytest.mark.parametrize("augmentation", [FLIP_CROP, CUTOUT], ids=["flip_crop", "cutout"])
def test_batched_augmentation_equals_v2_functional_per_sample_with_the_same_draws(augmentation):
    x, y = batch()
    augment = BatchAugment(augmentation, num_classes=10, seed=3)
    draws = augment.draws(len(x), tuple(x.shape[1:]), (0, 0, 0), x.device)
    assert draws["flips"].any() and not draws["flips"].all() and len(set(draws["tops"].tolist())) > 3
    augmented, labels = augment.apply(x.clone(), y, draws)
    assert torch.equal(augmented, per_sample(x, draws, augmentation)) and torch.equal(labels, y)


def test_batched_mixup_equals_v2_mixup_given_its_weight():
    x, y = batch(8)  # 8 distinct labels: each sample's own share is lam
    torch.manual_seed(5)
    expected_x, expected_y = v2.MixUp(alpha=1.0, num_classes=10)(x.clone(), y)
    lam = float(expected_y[0, y[0]])
    assert 0.0 < lam < 1.0
    mixed_x, mixed_y = mixup(x.clone(), y, lam, 10)
    torch.testing.assert_close(mixed_x, expected_x)
    torch.testing.assert_close(mixed_y, expected_y)
    assert torch.allclose(mixed_y.sum(1), torch.ones(8))


def test_batched_draws_are_a_function_of_seed_and_batch_key():
    x, y = batch()
    mixing = Augmentation("mixup", flip=True, crop_padding=4, mixup_alpha=1.0)

    def augmented(seed: int, key: tuple[int, ...]) -> torch.Tensor:
        return BatchAugment(mixing, 10, seed)((x.clone(), y), key)[0]

    first = augmented(0, (2, 0, 7))
    assert torch.equal(first, augmented(0, (2, 0, 7)))  # what a resumed run draws again
    for other_seed, other_key in ((1, (2, 0, 7)), (0, (3, 0, 7)), (0, (2, 1, 7)), (0, (2, 0, 8))):
        assert not torch.equal(first, augmented(other_seed, other_key))


def test_augmenting_a_table_is_refused_in_one_line(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        ["data=iris", "augment=flip_crop"],
        "augment: augment=flip_crop applies to image sets; data=iris takes none",
    )


def test_a_cutout_larger_than_the_image_is_refused_in_one_line(make_cfg, capsys, tmp_path):
    write_mnist(tmp_path / "root")
    overrides = [
        "data=mnist",
        f"data.root={tmp_path / 'root'}",
        "model=cnn",
        "augment=cutout",
        "augment.cutout_size=28",
    ]
    fails_with(
        make_cfg, capsys, overrides, "augment.cutout_size: must be in [0, 28) for 28x28 images, got 28"
    )


def test_batched_augmentation_stays_on_the_batch_device():
    mixing = Augmentation("mixup", flip=True, crop_padding=4, cutout_size=5, mixup_alpha=1.0)
    x, y = batch()
    with FakeAccelerator() as accelerator:
        on_device = BatchAugment(mixing, 10, seed=0)((FakeDeviceTensor(x), FakeDeviceTensor(y)), (0, 0, 0))
    assert accelerator.findings == [], "\n".join(accelerator.findings)
    assert all(t.device == DEVICE for t in on_device)
    on_cpu = BatchAugment(mixing, 10, seed=0)((x.clone(), y), (0, 0, 0))
    assert all(torch.equal(a.cpu_data, b) for a, b in zip(on_device, on_cpu, strict=True))  # the same draws

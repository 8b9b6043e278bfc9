"""The streaming path: a standard ``DataLoader`` with worker processes, for image sets over the memory budget.

Workers decode, normalise and augment one image at a time (``torchvision.transforms.v2``); mixup runs on
the collated batch (``v2.MixUp``). What this path guarantees:

- an epoch's order is a function of ``(seed, epoch)`` alone: the same permutation the in-memory path takes
  (:func:`dlr.data.loader.epoch_order`);
- each image's augmentation draws are seeded by ``(seed, epoch, its position in the epoch)``, and each
  batch's mixup weight by its first position, so they do not depend on the number of workers nor on which
  worker decodes what;

so a run resumed from a checkpoint (dlr writes them at epoch ends) sees the batches of the run that was
never stopped, as on the in-memory path. The draws differ from the in-memory path's (another generator), the
distribution does not. Under DDP each rank takes every ``world_size``-th position of the epoch's order.
"""

from collections.abc import Callable, Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Sampler, default_collate

from dlr.data.augment import seed_of
from dlr.data.image_sources import ImageSource
from dlr.data.loader import epoch_order, grouped


class StreamedSplit(Dataset):
    """Images ``indices`` of ``source`` with ``labels``, normalised, augmented when a key carries an epoch.

    A key is a position in the split, or ``(epoch, position)`` for training: then the image is augmented
    with draws seeded by ``(seed, epoch, position)``; each item carries that seed for the batch's mixup.
    """

    def __init__(self, source: ImageSource, indices, labels, normalization, transform=None, seed: int = 0):
        self.source, self.indices, self.labels = source, indices, labels
        mean, std = normalization
        self.mean, self.std = torch.tensor(mean).view(-1, 1, 1), torch.tensor(std).view(-1, 1, 1)
        self.transform, self.seed = transform, seed

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, key) -> tuple[torch.Tensor, torch.Tensor, int]:
        epoch, position = key if isinstance(key, tuple) else (None, key)
        x = (self.source.image(int(self.indices[position])).float() / 255.0 - self.mean) / self.std
        seed = seed_of(self.seed, epoch, position) if epoch is not None else 0
        if self.transform is not None and epoch is not None:
            with torch.random.fork_rng(
                devices=[]
            ):  # a worker's own stream; the main process' stays as it was
                torch.manual_seed(seed)
                x = self.transform(x)
        return x, self.labels[position], seed


class EpochSampler(Sampler):
    """``(epoch, position)`` keys in the epoch's shuffled order, this rank's share; the epoch read when iterated."""

    def __init__(self, n: int, seed: int, epoch_fn: Callable[[], int], rank: int = 0, world_size: int = 1):
        self.n, self.seed, self.epoch_fn, self.rank, self.world_size = n, seed, epoch_fn, rank, world_size

    def __len__(self) -> int:
        return self.n // self.world_size

    def __iter__(self) -> Iterator[tuple[int, int]]:
        epoch = self.epoch_fn()
        order = epoch_order(self.n, self.seed, epoch)[
            self.rank : len(self) * self.world_size : self.world_size
        ]
        return ((epoch, int(position)) for position in order)


class Collate:
    """Stack a batch's items; with ``mixup``, mix it with the weight seeded by the batch's first item."""

    def __init__(self, mixup=None):
        self.mixup = mixup

    def __call__(self, items) -> tuple[torch.Tensor, torch.Tensor]:
        x, y, seeds = default_collate(items)
        if self.mixup is None:
            return x, y
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seeds[0]))
            return self.mixup(x, y)


class StreamLoader:
    """A ``DataLoader`` handing out batches, or lists of ``group_size`` batches (``data.batches_per_step``)."""

    def __init__(self, loader: DataLoader, group_size: int = 1):
        self.loader, self.group_size = loader, group_size

    def __len__(self) -> int:
        return -(-len(self.loader) // self.group_size)

    def __iter__(self) -> Iterator:
        return grouped(iter(self.loader), self.group_size)


def stream_loader(
    split: StreamedSplit,
    batch_size: int,
    workers: int,
    sampler: EpochSampler | None = None,
    mixup=None,
    group_size: int = 1,
    pin_memory: bool = False,
) -> StreamLoader:
    loader = DataLoader(
        split,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=workers,
        collate_fn=Collate(mixup),
        pin_memory=pin_memory,
        persistent_workers=workers > 0,
        # Its own generator for the workers' base seed, which would otherwise be drawn from the global RNG
        # (a resumed run restores that, and must find it where the straight run left it); the draws that
        # matter are seeded per image.
        generator=torch.Generator(),
    )
    return StreamLoader(loader, group_size)

"""Batches sliced from in-memory tensors.

A per-sample ``__getitem__`` plus collate costs more than a small model's whole step, so the loader
permutes the tensors once per epoch and yields contiguous views. The permutation depends only on
``(seed, epoch)``, which makes shuffling reproducible and a resumed run identical to an uninterrupted one.
Under DDP each rank takes an equal, disjoint share of every epoch's permutation. Given the accelerator's
``device``, the tensors go there once when they fit, or are pinned for asynchronous copies
(:mod:`dlr.data.placement`). An ``augment`` callable transforms each batch where it lands, with the key
``(epoch, rank, batch number)`` to seed its draws by (:mod:`dlr.data.augment`).
"""

from collections.abc import Callable, Iterator

import torch

from dlr.data.placement import PINNED, place


def epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The shuffled order of ``n`` samples in ``epoch``: a function of ``(seed, epoch)`` alone."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


class TensorLoader:
    def __init__(
        self,
        tensors: tuple[torch.Tensor, ...],
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        epoch_fn: Callable[[], int] | None = None,
        batches_per_step: int = 1,
        device: torch.device | None = None,
        augment: Callable[[tuple, tuple[int, ...]], tuple] | None = None,
    ):
        self.device = device
        self.augment = augment
        self.tensors, self.placement = place(tensors, device)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        # The trainer's epoch when given (so a resumed run continues the same sequence), else a local count.
        self.epoch_fn = epoch_fn
        self.epoch = 0
        # >1 yields lists of that many batches, for tasks that take several optimizer steps per Lightning step.
        self.batches_per_step = batches_per_step
        self.samples_per_rank = len(tensors[0]) // world_size if world_size > 1 else len(tensors[0])

    def __len__(self) -> int:
        batches = -(-self.samples_per_rank // self.batch_size)
        return -(-batches // self.batches_per_step)

    def _epoch_indices(self, epoch: int) -> torch.Tensor | None:
        n = len(self.tensors[0])
        if not self.shuffle and self.world_size == 1:
            return None
        order = epoch_order(n, self.seed, epoch) if self.shuffle else torch.arange(n)
        return order[self.rank : self.samples_per_rank * self.world_size : self.world_size]

    def _batches(self) -> Iterator[tuple[torch.Tensor, ...]]:
        epoch = self.epoch_fn() if self.epoch_fn is not None else self.epoch
        indices = self._epoch_indices(epoch)
        if indices is not None:
            indices = indices.to(self.tensors[0].device)
        tensors = self.tensors if indices is None else tuple(t[indices] for t in self.tensors)
        if self.placement == PINNED and indices is not None:
            tensors = tuple(t.pin_memory() for t in tensors)  # the epoch's gathered order, pinned again
        self.epoch += 1
        for number, start in enumerate(range(0, self.samples_per_rank, self.batch_size)):
            batch = tuple(t[start : start + self.batch_size] for t in tensors)
            if self.placement == PINNED:
                batch = tuple(t.to(self.device, non_blocking=True) for t in batch)
            if self.augment is not None:
                batch = self.augment(batch, (epoch, self.rank, number))
            yield batch

    def __iter__(self) -> Iterator:
        return grouped(self._batches(), self.batches_per_step)


def grouped(batches: Iterator, size: int) -> Iterator:
    """``batches`` as they come for ``size`` 1, else as lists of ``size`` (the last may be shorter)."""
    if size == 1:
        yield from batches
        return
    group = []
    for batch in batches:
        group.append(batch)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group

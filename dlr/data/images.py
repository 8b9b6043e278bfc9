"""The base of every image set: splits as the base gives them, then in memory or streamed, normalised, augmented.

A subclass's ``sources()`` returns its train and test :class:`~dlr.data.image_sources.ImageSource`. The base
datamodule splits and subsamples their *indices* (``val_fraction``, ``n_train``, ``classes``,
``n_per_class``, k-fold, ``label_noise``: everything it gives every set). Then one of two paths:

- **in memory** (the default): the kept images, decoded, become float32 tensors normalised with the
  training split's per-channel mean and std, sliced per batch by :class:`~dlr.data.loader.TensorLoader`
  (on the accelerator when they fit), augmented batched on the device (:mod:`dlr.data.augment`);
- **streaming**, when their float32 size exceeds ``memory_budget_gb`` (or ``streaming=true``): a
  ``DataLoader`` with workers (:mod:`dlr.data.streaming`), normalised with statistics of up to
  :data:`STATS_SAMPLES` training images.

The run prints the path it took; ``describe()`` puts it, the budget and the statistics in the run record.
"""

import math
from pathlib import Path

import psutil
import torch

from dlr import console
from dlr.data.augment import BatchAugment, batch_mixup, from_config, sample_transform
from dlr.data.base import Split, TensorDataModule
from dlr.data.image_sources import ImageSource
from dlr.data.streaming import EpochSampler, StreamedSplit, stream_loader
from dlr.errors import require

IN_MEMORY, STREAMING = "in_memory", "streaming"
#: ``memory_budget_gb: auto``: this share of the RAM free when the run starts.
RAM_SHARE = 0.5
#: Training images the streaming path computes its normalisation statistics from.
STATS_SAMPLES = 1000


def budget_bytes(memory_budget_gb) -> int:
    if memory_budget_gb == "auto":
        return int(RAM_SHARE * psutil.virtual_memory().available)
    return int(memory_budget_gb * 2**30)


def channel_statistics(pixels: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 ``(N, C, H, W)`` pixels scaled to [0, 1] (1 where constant)."""
    scaled = pixels.float().div_(255.0).transpose(0, 1).reshape(pixels.shape[1], -1)
    std = scaled.std(1)
    return scaled.mean(1).tolist(), torch.where(std > 1e-6, std, torch.ones_like(std)).tolist()


class ImageDataModule(TensorDataModule):
    data_kind = "image"

    def __init__(
        self,
        name: str = "images",
        augment: dict | None = None,
        streaming: bool | str = "auto",
        memory_budget_gb: float | str = "auto",
        num_workers: int | str = "auto",
        data_dir: str = "data",
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(
            streaming in ("auto", True, False),
            "data.streaming",
            f"must be auto, true or false, got {streaming!r}",
        )
        budget_ok = memory_budget_gb == "auto" or (
            isinstance(memory_budget_gb, int | float) and memory_budget_gb > 0
        )
        require(budget_ok, "data.memory_budget_gb", f"must be auto or a number > 0, got {memory_budget_gb!r}")
        workers_ok = num_workers == "auto" or (isinstance(num_workers, int) and num_workers >= 0)
        require(workers_ok, "data.num_workers", f"must be auto or an integer >= 0, got {num_workers!r}")
        self.name, self.streaming, self.memory_budget_gb = name, streaming, memory_budget_gb
        self.num_workers = (
            min(4, max(0, (psutil.cpu_count() or 1) - 1)) if num_workers == "auto" else num_workers
        )
        self.augmentation = from_config(augment)
        self.data_dir = data_dir
        self.path: str | None = None
        self.normalization: tuple[list[float], list[float]] | None = None
        self.decoded_bytes = self.budget = 0

    # -- subclasses -----------------------------------------------------------------------------
    def sources(self) -> tuple[ImageSource, ImageSource]:
        """(train, test) image sources; set ``self.class_names`` where the set names its classes."""
        raise NotImplementedError

    # -- splits of indices, then one of the two paths ---------------------------------------------
    def load(self) -> tuple[Split, Split]:
        self.train_source, self.test_source = self.sources()
        return (
            Split(torch.arange(len(self.train_source)), self.train_source.labels),
            Split(torch.arange(len(self.test_source)), self.test_source.labels),
        )

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train_source.shape)

    @property
    def output_size(self) -> int:
        """The set's classes, present in the kept samples or not."""
        return len(self.class_names) if self.class_names else super().output_size

    def setup(self, stage: str | None = None) -> None:
        if self._prepared:
            return
        super().setup(stage)
        #: Each split's images as indices into its source (the training file for train and val).
        self.source_indices = {"train": self.train.x, "val": self.val.x, "test": self.test.x}
        self.augmentation.check(self.input_shape)
        self.path = self._choose_path()
        if self.path == IN_MEMORY:
            self._into_memory()
        else:
            order = torch.randperm(len(self.train.x), generator=torch.Generator().manual_seed(self.seed))
            sample = self.train.x[order[:STATS_SAMPLES]]
            self.normalization = channel_statistics(self.train_source.images(sample, self.num_workers))

    def _choose_path(self) -> str:
        """In memory or streaming, by the kept images' float32 size against the budget; said on the console."""
        kept = len(self.train.x) + len(self.val.x) + len(self.test.x)
        self.decoded_bytes = kept * math.prod(self.input_shape) * 4
        self.budget = budget_bytes(self.memory_budget_gb)
        over_budget = self.decoded_bytes > self.budget
        path = (
            STREAMING if self.streaming is True or (self.streaming == "auto" and over_budget) else IN_MEMORY
        )
        shape = "x".join(map(str, self.input_shape))
        size = f"{kept:,} images {shape}, {self.decoded_bytes / 2**30:.2f} GB as float32"
        if self.streaming == "auto":
            reason = f"budget {self.budget / 2**30:.1f} GB"
        else:
            reason = f"data.streaming={str(self.streaming).lower()}"
        message = f"data={self.name}: {size}, {path.replace('_', ' ')} ({reason})"
        console.console.print(message, soft_wrap=True)
        return path

    def _into_memory(self) -> None:
        workers, cache_dir = self.num_workers, Path(self.data_dir) / "decoded"
        self.train_source = self.train_source.held_in_memory(cache_dir, workers)
        self.test_source = self.test_source.held_in_memory(cache_dir, workers)
        pixels = {
            name: source.images(split.x, workers)
            for name, source, split in (
                ("train", self.train_source, self.train),
                ("val", self.train_source, self.val),
                ("test", self.test_source, self.test),
            )
        }
        self.normalization = channel_statistics(pixels["train"])
        mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in self.normalization)
        for name, split in (("train", self.train), ("val", self.val), ("test", self.test)):
            split.x = pixels.pop(name).float().div_(255.0).sub_(mean).div_(std)
        if self.augmentation.active:
            self.batch_augment = BatchAugment(self.augmentation, self.num_classes, self.seed)

    # -- loaders: the base's TensorLoader in memory, a DataLoader with workers when streaming ------
    def _streamed(self, split: Split, source: ImageSource, train: bool) -> StreamedSplit:
        transform = sample_transform(self.augmentation, self.input_shape) if train else None
        return StreamedSplit(source, split.x, split.y, self.normalization, transform, self.seed)

    def _placement(self) -> tuple[int, int, bool]:
        trainer = self.trainer
        if trainer is None:
            return 0, 1, False
        return trainer.global_rank, trainer.world_size, trainer.strategy.root_device.type == "cuda"

    def train_dataloader(self):
        if self.path == IN_MEMORY:
            return super().train_dataloader()
        rank, world, pin = self._placement()
        sampler = EpochSampler(len(self.train.x), self.seed, self._epoch, rank, world)
        split = self._streamed(self.train, self.train_source, train=True)
        mixup = batch_mixup(self.augmentation, self.num_classes)
        return stream_loader(
            split, self.batch_size, self.num_workers, sampler, mixup, self.train_group_size, pin
        )

    def val_dataloader(self):
        if self.path == IN_MEMORY:
            return super().val_dataloader()
        split = self._streamed(self.val, self.train_source, train=False)
        return stream_loader(split, self.eval_batch_size, self.num_workers, pin_memory=self._placement()[2])

    def test_dataloader(self):
        if self.path == IN_MEMORY:
            return super().test_dataloader()
        split = self._streamed(self.test, self.test_source, train=False)
        return stream_loader(split, self.eval_batch_size, self.num_workers, pin_memory=self._placement()[2])

    def describe(self) -> dict:
        mean, std = self.normalization or (None, None)
        return {
            **super().describe(),
            "data_path": self.path,
            "decoded_gb": round(self.decoded_bytes / 2**30, 4),
            "memory_budget_gb": round(self.budget / 2**30, 2),
            "normalization": mean
            and {"mean": [round(m, 6) for m in mean], "std": [round(s, 6) for s in std]},
            "augment": self.augmentation.name,
        }

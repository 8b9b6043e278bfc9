"""Where a set's images come from, each as a uint8 ``(C, H, W)`` tensor: memory, image files or dataset rows.

A source knows its labels and image shape without decoding anything it need not. ``image(i)`` decodes one
(what a streaming worker calls); ``images(indices)`` decodes many, with worker processes for files.
:func:`decoded_once` decodes a whole source once and caches the uint8 tensor under ``data_dir``.
"""

import hashlib
import os
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Subset
from torchvision.transforms.v2 import functional as TF

from dlr.data.cache import cached_tensors

#: PIL modes read as one channel; every other mode is converted to RGB.
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F", "P;L")


class ImageSource(Dataset):
    """``labels`` (int64), ``shape`` ``(C, H, W)``; ``image(i)`` gives image i as uint8 ``(C, H, W)``."""

    labels: torch.Tensor
    shape: tuple[int, int, int]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.image(index)

    def image(self, index: int) -> torch.Tensor:
        raise NotImplementedError

    def held_in_memory(self, cache_dir: Path, workers: int) -> "ImageSource":
        """This source with every image decoded into memory once (cached under ``cache_dir``), or itself
        when its images are in memory already."""
        return self

    def images(self, indices: torch.Tensor, workers: int = 0) -> torch.Tensor:
        """Images ``indices`` as one uint8 ``(n, C, H, W)`` tensor, decoded by ``workers`` processes."""
        if len(indices) == 0:
            return torch.empty((0, *self.shape), dtype=torch.uint8)
        subset = Subset(self, indices.tolist())
        loader = DataLoader(subset, batch_size=256, num_workers=workers, collate_fn=torch.stack)
        return torch.cat(list(loader))


class TensorImages(ImageSource):
    """Images already decoded: a uint8 ``(N, C, H, W)`` tensor."""

    def __init__(self, pixels: torch.Tensor, labels: torch.Tensor):
        self.pixels, self.labels = pixels, labels.long()
        self.shape = tuple(pixels.shape[1:])

    def image(self, index: int) -> torch.Tensor:
        return self.pixels[index]

    def images(self, indices: torch.Tensor, workers: int = 0) -> torch.Tensor:
        return self.pixels[indices]


def channels_of(image: Image.Image) -> int:
    return 1 if image.mode in GRAY_MODES else 3


def fit(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``image`` scaled to cover ``size`` (aspect ratio kept, antialiased) and centre-cropped to it."""
    height, width = image.shape[-2:]
    if (height, width) == tuple(size):
        return image
    scale = max(size[0] / height, size[1] / width)
    covering = [max(size[0], round(height * scale)), max(size[1], round(width * scale))]
    return TF.center_crop(TF.resize(image, covering, antialias=True), list(size))


def pil_to_uint8(image: Image.Image, channels: int, size: tuple[int, int]) -> torch.Tensor:
    """A PIL image as a uint8 ``(channels, *size)`` tensor."""
    image.draft("L" if channels == 1 else "RGB", size)  # JPEGs decode at a reduced scale when they can
    return fit(TF.pil_to_tensor(image.convert("L" if channels == 1 else "RGB")), size)


class FileImages(ImageSource):
    """Image files (any format PIL reads), each scaled and centre-cropped to ``size``."""

    def __init__(self, paths: list[Path], labels: torch.Tensor, channels: int, size: tuple[int, int]):
        self.paths, self.labels = [str(p) for p in paths], labels.long()
        self.channels, self.size = channels, tuple(size)
        self.shape = (channels, *self.size)

    def image(self, index: int) -> torch.Tensor:
        with Image.open(self.paths[index]) as image:
            return pil_to_uint8(image, self.channels, self.size)

    def held_in_memory(self, cache_dir: Path, workers: int) -> "TensorImages":
        stats = [(path, os.stat(path)) for path in self.paths]
        listing = "|".join(f"{p}:{s.st_size}:{s.st_mtime_ns}" for p, s in stats) + f"|{self.shape}"
        key = hashlib.sha1(listing.encode()).hexdigest()[:16]
        return decoded_once(self, cache_dir / f"files_{key}.pt", workers)


def decoded_once(source: ImageSource, cache: Path, workers: int) -> TensorImages:
    """``source`` decoded whole into memory, read from (or written to) the cache file ``cache``."""
    everything = torch.arange(len(source))
    stored = cached_tensors(
        cache, {"x", "y"}, lambda: {"x": source.images(everything, workers), "y": source.labels}
    )
    return TensorImages(stored["x"], stored["y"])

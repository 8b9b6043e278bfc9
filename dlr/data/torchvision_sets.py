"""The standard image sets through torchvision's own classes: MNIST, Fashion-MNIST, KMNIST, CIFAR-10/100, SVHN.

``download: auto`` reads the files in ``root`` when they are there (torchvision checks CIFAR's and SVHN's
against their published MD5 sums), and downloads them only when they are missing or damaged and a network
answers (or their archives are already in place, to be checked and extracted); otherwise the run stops in
one line naming the files and the folder. Where the files come from, their layout and their checksums are
the torchvision class's own attributes. The images are decoded once into uint8 tensors, cached under
``data_dir/decoded`` (keyed by the files' names, sizes and times), and read from there afterwards.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torchvision import datasets

from dlr.data.cache import cached_tensors
from dlr.data.downloads import host_of, network_answers, one_line, read_timeout
from dlr.data.image_sources import TensorImages
from dlr.data.images import ImageDataModule
from dlr.errors import ConfigError, require

SETS = {
    "mnist": datasets.MNIST,
    "fashion_mnist": datasets.FashionMNIST,
    "kmnist": datasets.KMNIST,
    "cifar10": datasets.CIFAR10,
    "cifar100": datasets.CIFAR100,
    "svhn": datasets.SVHN,
}
DOWNLOAD = ("auto", True, False)


@dataclass
class Layout:
    folder: Path  # where the class reads its files
    files: list[str]  # the files it reads there
    archives: list[Path]  # what it downloads, checks and extracts
    urls: list[str]  # where from (mirrors, in order)


def layout(cls: type, root: Path) -> Layout:
    """Where ``cls`` (a torchvision dataset class) keeps its files under ``root``, read from its attributes."""
    if issubclass(cls, datasets.MNIST):
        folder = root / cls.__name__ / "raw"
        archives = [name for name, _ in cls.resources]
        files = [name.removesuffix(".gz") for name in archives]
        return Layout(folder, files, [folder / a for a in archives], [m + archives[0] for m in cls.mirrors])
    if issubclass(cls, datasets.CIFAR10):
        files = [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
        return Layout(root / cls.base_folder, files, [root / cls.filename], [cls.url])
    splits = [cls.split_list["train"], cls.split_list["test"]]
    return Layout(
        root, [name for _, name, _ in splits], [root / name for _, name, _ in splits], [splits[0][0]]
    )


def _open(cls: type, root: Path, download: bool) -> tuple:
    if issubclass(cls, datasets.SVHN):
        return tuple(cls(str(root), split=split, download=download) for split in ("train", "test"))
    return tuple(cls(str(root), train=train, download=download) for train in (True, False))


def open_set(name: str, root: Path, download: bool | str) -> tuple:
    """(train, test) torchvision datasets of ``name`` in ``root``, downloaded first where it must and can be."""
    cls, where = SETS[name], layout(SETS[name], root)
    missing = [f for f in where.files if not (where.folder / f).is_file()]
    try:
        return _open(cls, root, download=False)
    except (
        Exception
    ) as error:  # torchvision raises RuntimeError for missing or damaged files, others for bad bytes
        problem = (
            f"{name} is not in {where.folder} (expected {', '.join(missing)})"
            if missing
            else (f"{name} in {where.folder} cannot be read ({one_line(error)})")
        )
    if download is False:
        raise ConfigError("data.root", f"{problem} and data.download=false")
    if not all(a.is_file() for a in where.archives) and not any(network_answers(url) for url in where.urls):
        hosts = ", ".join(host_of(url) for url in where.urls)
        archives = f"{', '.join(a.name for a in where.archives)} in {where.archives[0].parent}"
        raise ConfigError(
            "data.root",
            f"{problem} and no network answers ({hosts}); place them there, or {archives} (docs/datasets.md)",
        )
    try:
        with read_timeout():
            return _open(cls, root, download=True)
    except Exception as error:
        raise ConfigError("data.download", f"{name} from {where.urls[0]}: {one_line(error)}") from None


def pixels_and_labels(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 ``(N, C, H, W)`` images and int64 labels of an opened torchvision dataset."""
    data = torch.as_tensor(np.asarray(dataset.data))
    if isinstance(dataset, datasets.MNIST):
        data = data.unsqueeze(1)  # (N, H, W) grey
    elif isinstance(dataset, datasets.CIFAR10):
        data = data.permute(0, 3, 1, 2)  # stored (N, H, W, C)
    labels = dataset.labels if isinstance(dataset, datasets.SVHN) else dataset.targets
    return data.contiguous(), torch.as_tensor(np.asarray(labels), dtype=torch.long)


def class_names(dataset) -> list[str]:
    return (
        [str(digit) for digit in range(10)] if isinstance(dataset, datasets.SVHN) else list(dataset.classes)
    )


def files_key(folder: Path, files: list[str]) -> str:
    """Names, sizes and modification times of ``files``: a new or replaced file gives a new key."""
    stats = [(f, (folder / f).stat()) for f in files if (folder / f).is_file()]
    text = "|".join(f"{f}:{s.st_size}:{s.st_mtime_ns}" for f, s in stats)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


class TorchvisionDataModule(ImageDataModule):
    def __init__(self, name: str, root: str = "data", download: bool | str = "auto", **kwargs):
        require(name in SETS, "data.name", f"must be one of {', '.join(SETS)}, got {name!r}")
        require(download in DOWNLOAD, "data.download", f"must be auto, true or false, got {download!r}")
        super().__init__(name=name, **kwargs)
        self.root, self.download = Path(root).expanduser(), download

    def _decode(self) -> dict:
        train, test = open_set(self.name, self.root, self.download)
        (x_train, y_train), (x_test, y_test) = pixels_and_labels(train), pixels_and_labels(test)
        return {
            "x_train": x_train,
            "y_train": y_train,
            "x_test": x_test,
            "y_test": y_test,
            "classes": class_names(train),
        }

    def sources(self) -> tuple[TensorImages, TensorImages]:
        where = layout(SETS[self.name], self.root)
        if not all((where.folder / f).is_file() for f in where.files):
            open_set(self.name, self.root, self.download)  # downloads them, or stops in one line
        cache = Path(self.data_dir) / "decoded" / f"{self.name}_{files_key(where.folder, where.files)}.pt"
        stored = cached_tensors(cache, {"x_train", "y_train", "x_test", "y_test", "classes"}, self._decode)
        self.class_names = list(stored["classes"])
        return TensorImages(stored["x_train"], stored["y_train"]), TensorImages(
            stored["x_test"], stored["y_test"]
        )

    def describe(self) -> dict:
        return {**super().describe(), "root": str(self.root)}

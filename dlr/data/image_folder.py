"""Your own images: ``data=image_folder data.path=<dir>`` (torchvision's ImageFolder layout) or a CSV of them.

``data.path`` is one of:

- ``<dir>/<class>/<image>``: a folder per class, listed by ``torchvision.datasets.ImageFolder`` (its classes
  sorted by name, its image extensions); a seeded ``test_fraction`` of the images is the test split;
- ``<dir>/train/<class>/...`` with ``<dir>/test/<class>/...`` (or ``val/``): those two splits as given;
- ``<file>.csv``: a ``path_column`` (relative to the CSV's folder, or absolute) and a ``label_column``; labels
  are class names or ids, sorted; a seeded ``test_fraction`` is the test split.

Each image is scaled to cover ``image_size`` (its aspect ratio kept) and centre-cropped to it; ``channels:
auto`` reads the first image (grey: 1, else 3). In memory, the decoded images are cached under
``data_dir/decoded``, keyed by the files' names, sizes and times; streamed, the workers decode them.
"""

from pathlib import Path

import pandas as pd
import torch
from PIL import Image

from dlr.data.image_sources import FileImages, channels_of
from dlr.data.images import ImageDataModule
from dlr.data.preprocess import split_indices
from dlr.errors import ConfigError, require

Listing = tuple[list[Path], torch.Tensor]  # image files and their class ids


def folder_listing(folder: Path) -> tuple[Listing, list[str]]:
    """The images of ``folder``'s class folders, as torchvision's ImageFolder finds them, and the classes."""
    from torchvision.datasets import ImageFolder

    try:
        found = ImageFolder(str(folder), loader=lambda path: path)
    except (FileNotFoundError, RuntimeError) as error:  # no class folder, or no image in one
        raise ConfigError("data.path", " ".join(str(error).split())) from None
    paths = [Path(path) for path, _ in found.samples]
    return (paths, torch.tensor([label for _, label in found.samples], dtype=torch.long)), found.classes


def csv_listing(table_file: Path, path_column: str, label_column: str) -> tuple[Listing, list[str]]:
    table = pd.read_csv(table_file)
    for key, column in (("data.path_column", path_column), ("data.label_column", label_column)):
        require(
            column in table,
            key,
            f"column {column!r} not in {table_file.name}; columns: {', '.join(table.columns)}",
        )
    classes = sorted(table[label_column].unique().tolist())
    ids = {name: index for index, name in enumerate(classes)}
    paths = [Path(p) if Path(p).is_absolute() else table_file.parent / p for p in table[path_column]]
    missing = [str(p) for p in paths if not p.is_file()]
    require(
        not missing,
        "data.path",
        f"{len(missing)} image(s) listed in {table_file.name} are missing: {missing[:1]}",
    )
    labels = torch.tensor([ids[name] for name in table[label_column]], dtype=torch.long)
    return (paths, labels), [str(c) for c in classes]


class ImageFolderDataModule(ImageDataModule):
    def __init__(
        self,
        path: str | None = None,
        image_size: int | list[int] = 32,
        channels: int | str = "auto",
        test_fraction: float = 0.2,
        split_seed: int = 0,
        path_column: str = "path",
        label_column: str = "label",
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(path is not None, "data.path", "give a folder of class folders, or a CSV of paths and labels")
        self.path_given = Path(path).expanduser()
        require(self.path_given.exists(), "data.path", f"no such folder or file: {self.path_given}")
        size = [image_size, image_size] if isinstance(image_size, int) else list(image_size)
        require(
            len(size) == 2 and all(isinstance(s, int) and s >= 1 for s in size),
            "data.image_size",
            f"must be an integer >= 1 or [height, width], got {image_size}",
        )
        require(channels in ("auto", 1, 3), "data.channels", f"must be auto, 1 or 3, got {channels!r}")
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        self.image_size, self.channels = tuple(size), channels
        self.test_fraction, self.split_seed = test_fraction, split_seed
        self.path_column, self.label_column = path_column, label_column

    def _listings(self) -> tuple[Listing, Listing, list[str]]:
        root = self.path_given
        if root.is_file():
            listing, classes = csv_listing(root, self.path_column, self.label_column)
        else:
            held_out = next((root / name for name in ("test", "val") if (root / name).is_dir()), None)
            if (root / "train").is_dir() and held_out is not None:
                train, classes = folder_listing(root / "train")
                test, test_classes = folder_listing(held_out)
                require(
                    test_classes == classes,
                    "data.path",
                    f"{held_out.name}/ has classes {test_classes}, train/ has {classes}",
                )
                return train, test, classes
            listing, classes = folder_listing(root)
        paths, labels = listing
        splits = split_indices(len(paths), self.test_fraction, self.split_seed)
        train, test = (([paths[i] for i in indices.tolist()], labels[indices]) for indices in splits)
        return train, test, classes

    def sources(self) -> tuple[FileImages, FileImages]:
        train, test, self.class_names = self._listings()
        require(
            len(train[0]) > 0 and len(test[0]) > 0,
            "data.path",
            f"needs images in both splits, found {len(train[0])} and {len(test[0])}",
        )
        channels = self.channels
        if channels == "auto":
            with Image.open(train[0][0]) as first:
                channels = channels_of(first)
        return FileImages(*train, channels, self.image_size), FileImages(*test, channels, self.image_size)

    def describe(self) -> dict:
        return {**super().describe(), "path": str(self.path_given)}

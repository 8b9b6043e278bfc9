"""Reading a Hugging Face dataset for ``data=hf``: what ``data.name`` names, its splits, its labels.

``data.name`` is a hub id (``load_dataset`` downloads it into the Hugging Face cache when a network answers
and reads the cache when not: the ``datasets`` library's own offline handling, ``HF_DATASETS_OFFLINE`` /
``HF_HUB_OFFLINE`` as the user set them), a folder written by ``save_to_disk``, a folder of data files
(``load_dataset`` infers their kind: images, parquet, csv, json), or data files themselves (a path or glob
ending in .parquet, .csv, .json or .jsonl). Anything that does not load is one line naming it.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from dlr.data.downloads import one_line
from dlr.data.preprocess import split_indices
from dlr.errors import ConfigError, require

FILE_BUILDERS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".arrow": "arrow"}
#: The held-out split ``test_split: auto`` takes, the first of these the dataset has.
HELD_OUT = ("test", "validation", "valid", "val")


def load_splits(name: str, cache_dir: str | None) -> dict:
    """Every split of the dataset ``name`` names, as ``{split: datasets.Dataset}``."""
    import datasets

    path = Path(name).expanduser()
    try:
        if path.is_dir() and any((path / f).is_file() for f in ("dataset_dict.json", "state.json")):
            loaded = datasets.load_from_disk(str(path))
        elif path.suffix in FILE_BUILDERS:
            loaded = datasets.load_dataset(
                FILE_BUILDERS[path.suffix], data_files=str(path), cache_dir=cache_dir
            )
        else:
            loaded = datasets.load_dataset(str(path) if path.is_dir() else name, cache_dir=cache_dir)
    except Exception as error:  # the library's own errors: not found, offline, unreadable, ...
        raise ConfigError(
            "data.name",
            f"cannot load {name!r} ({one_line(error)}); give a hub id (read from the Hugging Face cache "
            "offline), a save_to_disk folder, a folder of images or data files, or .parquet/.csv/.json files",
        ) from None
    return dict(loaded) if isinstance(loaded, datasets.DatasetDict) else {"train": loaded}


def train_and_test(
    splits: dict, split: str, test_split: str | None, test_fraction: float, seed: int
) -> tuple:
    """The training rows and the test rows: ``test_split`` (``auto``: the first of :data:`HELD_OUT` present),
    or a seeded ``test_fraction`` of the training rows."""
    require(split in splits, "data.split", f"must be one of {', '.join(splits)}, got {split!r}")
    if test_split == "auto":
        test_split = next((name for name in HELD_OUT if name in splits and name != split), None)
    if test_split is not None:
        require(test_split in splits, "data.test_split", f"must be auto, null or one of {', '.join(splits)}")
        return splits[split], splits[test_split]
    train_idx, test_idx = split_indices(len(splits[split]), test_fraction, seed)
    return splits[split].select(train_idx.tolist()), splits[split].select(test_idx.tolist())


def check_columns(rows, **columns: str) -> None:
    for key, column in columns.items():
        require(
            column in rows.column_names,
            f"data.{key}",
            f"{column!r} is not a column; columns: {', '.join(rows.column_names)}",
        )


def class_ids(train, test, column: str) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Both splits' labels as class ids, and the class names: a ClassLabel's own, else the sorted values."""
    feature = train.features[column]
    if hasattr(feature, "names") and hasattr(feature, "str2int"):  # datasets.ClassLabel
        names = list(feature.names)
        return torch.tensor(train[column]), torch.tensor(test[column]), names
    values = sorted(set(train[column]) | set(test[column]))
    ids = {value: index for index, value in enumerate(values)}

    def to_ids(rows) -> torch.Tensor:
        return torch.tensor([ids[value] for value in rows[column]], dtype=torch.long)

    return to_ids(train), to_ids(test), [str(v) for v in values]


def rows_key(rows, *settings) -> str | None:
    """A key of the rows' Arrow files (names, sizes, times) and the ``settings`` that chose the rows from
    them; None for rows held only in memory (nothing on disk to key a cache by)."""
    files = [entry["filename"] for entry in rows.cache_files]
    if not files:
        return None
    stats = "|".join(f"{f}:{os.stat(f).st_size}:{os.stat(f).st_mtime_ns}" for f in files)
    return hashlib.sha1(f"{stats}|{len(rows)}|{settings}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Rows:
    """Which rows of which dataset ``data=hf`` trains and tests on, and where their labels are."""

    name: str | None
    split: str = "train"
    test_split: str | None = "auto"
    test_fraction: float = 0.2
    split_seed: int = 0
    label_column: str = "label"
    cache_dir: str | None = None

    def load(self, **columns: str) -> tuple:
        """(train rows, test rows, train class ids, test class ids, class names); ``columns`` must exist."""
        require(self.name is not None, "data.name", "give a hub id, a local folder or data files")
        splits = load_splits(str(self.name), self.cache_dir)
        train, test = train_and_test(splits, self.split, self.test_split, self.test_fraction, self.split_seed)
        check_columns(train, **columns, label_column=self.label_column)
        return train, test, *class_ids(train, test, self.label_column)

    def key(self, rows, which: str, *settings) -> str | None:
        """The cache key of ``rows`` (the ``which`` split) prepared with ``settings``."""
        return rows_key(rows, which, str(self), settings)

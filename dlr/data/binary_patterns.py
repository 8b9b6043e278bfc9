"""Binary data for the energy-based and associative nets: binarised digits, and small sets of patterns.

``BinaryDigitsDataModule`` thresholds scikit-learn's 8x8 digits to {0, 1} (1x8x8 images, labels kept) for
RBMs and DBNs. ``PatternsDataModule`` serves a set of patterns to memorise or model, where the test split is
the patterns themselves: ``random`` (i.i.d. fair bits, the classical Hopfield capacity setting),
``digits`` (one binarised class-mean digit per class) or ``bars_stripes`` (every side x side image whose
rows, or whose columns, are all equal: the classic Boltzmann-machine toy distribution).
"""

import itertools

import torch
from sklearn.datasets import load_digits

from dlr.data.base import Split, TensorDataModule
from dlr.data.preprocess import split_indices
from dlr.errors import require

SOURCES = ("random", "digits", "bars_stripes")


def binarised_digits(threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's digits as ``(N, 1, 8, 8)`` floats in {0, 1} and their labels."""
    bunch = load_digits()
    x = torch.as_tensor(bunch.data, dtype=torch.float32) / 16.0
    return (x > threshold).float().view(-1, 1, 8, 8), torch.as_tensor(bunch.target, dtype=torch.long)


def bars_and_stripes(side: int) -> torch.Tensor:
    """All distinct ``(1, side, side)`` images with constant rows or columns: 2^(side+1) - 2 of them."""
    lines = torch.tensor(list(itertools.product((0.0, 1.0), repeat=side)))
    rows = lines[:, :, None].expand(-1, side, side)
    images = torch.cat([rows, rows.transpose(1, 2)]).unique(dim=0)
    return images.unsqueeze(1)


class BinaryDigitsDataModule(TensorDataModule):
    data_kind = "binary"

    def __init__(self, threshold: float = 0.5, test_fraction: float = 0.2, split_seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        require(0.0 < threshold < 1.0, "data.threshold", f"must be in (0, 1), got {threshold}")
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        self.threshold, self.test_fraction, self.split_seed = threshold, test_fraction, split_seed

    def load(self) -> tuple[Split, Split]:
        x, y = binarised_digits(self.threshold)
        self.class_names = [str(c) for c in range(10)]
        train_idx, test_idx = split_indices(len(x), self.test_fraction, self.split_seed)
        return Split(x[train_idx], y[train_idx]), Split(x[test_idx], y[test_idx])


class PatternsDataModule(TensorDataModule):
    data_kind = "binary"

    def __init__(
        self,
        source: str = "random",
        n_patterns: int = 10,
        n_units: int = 100,
        side: int = 3,
        repeats: int = 1,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(source in SOURCES, "data.source", f"must be one of {', '.join(SOURCES)}, got {source!r}")
        require(n_patterns >= 1, "data.n_patterns", f"must be >= 1, got {n_patterns}")
        require(
            source != "digits" or n_patterns <= 10,
            "data.n_patterns",
            f"digits has 10 classes, got {n_patterns}",
        )
        require(
            n_units >= 2 and side >= 2,
            "data.n_units",
            f"n_units and side must be >= 2, got {n_units}, {side}",
        )
        require(repeats >= 1, "data.repeats", f"must be >= 1, got {repeats}")
        self.source, self.n_patterns, self.n_units, self.side = source, n_patterns, n_units, side
        self.repeats, self.dataset_seed = repeats, dataset_seed

    def patterns(self) -> torch.Tensor:
        if self.source == "bars_stripes":
            return bars_and_stripes(self.side)
        if self.source == "digits":
            x, y = binarised_digits()
            means = torch.stack([x[y == c].mean(0) for c in range(self.n_patterns)])
            return (means > 0.5).float()
        generator = torch.Generator().manual_seed(self.dataset_seed)
        return torch.randint(2, (self.n_patterns, self.n_units), generator=generator).float()

    def load(self) -> tuple[Split, Split]:
        patterns = self.patterns()
        ids = torch.arange(len(patterns))
        # The patterns are the whole distribution: training sees them `repeats` times, testing once.
        return Split(
            patterns.repeat(self.repeats, *[1] * (patterns.dim() - 1)), ids.repeat(self.repeats)
        ), Split(patterns, ids)

    def describe(self) -> dict:
        return {**super().describe(), "source": self.source, "n_patterns": len(self.test.x)}

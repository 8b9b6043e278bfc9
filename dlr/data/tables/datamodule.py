"""A real table as a datamodule: any source, Grinsztajn-style preprocessing, and the columns' roles.

``describe()`` adds ``feature_info`` (which inputs are numerical, and each categorical's one-hot block), so a
net that declares ``data_info`` can embed categoricals; every other net reads the same tensor as numbers.
"""

import numpy as np
import pandas as pd
import torch

from dlr.data.base import Split, TensorDataModule
from dlr.data.csv_table import TARGET_TYPES, is_classification, require_numeric_target
from dlr.data.preprocess import split_indices, standardization, standardize
from dlr.data.tables import mechanisms
from dlr.data.tables.columns import FittedColumns, assign_roles, drop_missing
from dlr.data.tables.sources import load_source
from dlr.errors import require


class TableDataModule(TensorDataModule):
    def __init__(
        self,
        source: str,
        target: str,
        target_type: str = "auto",
        drop_columns: list[str] | None = None,
        max_missing_fraction: float = 0.5,
        max_categories: int = 20,
        min_numerical_values: int = 10,
        high_cardinality: str = "error",
        log_target: bool = False,
        max_train_rows: int | None = 10_000,
        test_fraction: float = 0.2,
        split_seed: int = 0,
        uninformative_features: float = 0.0,
        rotate: bool = False,
        smooth_target: float | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(
            target_type in TARGET_TYPES,
            "data.target_type",
            f"must be one of {', '.join(TARGET_TYPES)}, got {target_type!r}",
        )
        require(
            0.0 <= max_missing_fraction <= 1.0,
            "data.max_missing_fraction",
            f"must be in [0, 1], got {max_missing_fraction}",
        )
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        require(
            uninformative_features >= 0,
            "data.uninformative_features",
            f"must be >= 0 (extra columns per feature), got {uninformative_features}",
        )
        require(
            smooth_target is None or smooth_target > 0,
            "data.smooth_target",
            f"must be null or > 0 (median distances), got {smooth_target}",
        )
        # Read now, so a bad source or target fails before anything is built.
        frame = load_source(source, target)
        unknown = sorted(set(drop_columns or []) - set(frame.columns))
        require(not unknown, "data.drop_columns", f"no such columns: {', '.join(unknown)}")
        self.source_columns = [c for c in frame.columns if c != target]  # what a table to predict has
        self.frame = frame.drop(columns=list(drop_columns or []))
        self.source, self.target, self.target_type, self.log_target = source, target, target_type, log_target
        self.max_missing_fraction, self.high_cardinality = max_missing_fraction, high_cardinality
        self.max_categories, self.min_numerical_values = max_categories, min_numerical_values
        self.max_train_rows, self.test_fraction, self.split_seed = max_train_rows, test_fraction, split_seed
        self.uninformative_features, self.rotate, self.smooth_target = (
            uninformative_features,
            rotate,
            smooth_target,
        )
        self.feature_info: dict | None = None

    def load(self) -> tuple[Split, Split]:
        frame = drop_missing(self.frame.dropna(subset=[self.target]), self.max_missing_fraction).reset_index(
            drop=True
        )
        require(
            len(frame) >= 10,
            "data.max_missing_fraction",
            f"only {len(frame)} rows of {self.source} have no missing value",
        )
        features, target = frame.drop(columns=[self.target]), frame[self.target]
        roles = assign_roles(features, self.max_categories, self.high_cardinality, self.min_numerical_values)
        self.feature_info = roles.feature_info()
        train_idx, test_idx = split_indices(len(frame), self.test_fraction, self.split_seed)
        if self.max_train_rows is not None:
            # The paper's medium-sized regime truncates the training sets.
            train_idx = train_idx[: self.max_train_rows]
        #: Fitted on the training rows, kept for new tables (predict.py): ``encoding.transform(table, name)``.
        self.encoding = FittedColumns(
            features, roles, train_idx.numpy(), self.split_seed, self.source_columns
        )
        x = torch.as_tensor(self._probe(self.encoding.encode(features)))
        y = self._targets(target)
        y_train, y_test = y[train_idx], y[test_idx]
        if self.smooth_target is not None:
            n_classes = len(self.class_names) if y.dtype == torch.long else None
            smoothed = mechanisms.smooth_target(
                x[train_idx].numpy(), y_train.numpy(), self.smooth_target, n_classes, self.split_seed
            )
            y_train = torch.as_tensor(smoothed)
        if y.dtype != torch.long:
            #: predict.py's way back from a standardized (and maybe logged) output to the target's units.
            mean, std = standardization(y_train.unsqueeze(1))
            self.target_mean, self.target_std = float(mean), float(std)
            y_train, y_test = (t.squeeze(1) for t in standardize(y_train.unsqueeze(1), y_test.unsqueeze(1)))
        return Split(x[train_idx], y_train), Split(x[test_idx], y_test)

    def _probe(self, x: np.ndarray) -> np.ndarray:
        """Grinsztajn et al.'s feature probes (dlr/data/tables/mechanisms.py), when asked for."""
        info = self.feature_info
        if self.uninformative_features:
            x, n_extra = mechanisms.add_uninformative(
                x, info["n_numerical"], self.uninformative_features, self.split_seed
            )
            info["numerical"] += [f"uninformative_{i}" for i in range(n_extra)]
            info["n_numerical"] += n_extra
        return mechanisms.rotate(x, info["n_numerical"], self.split_seed) if self.rotate else x

    def _targets(self, target: pd.Series) -> torch.Tensor:
        if is_classification(target, self.target_type):
            codes = pd.Categorical(target.astype(str))
            self.class_names = list(codes.categories)
            return torch.as_tensor(codes.codes.astype(np.int64))
        require_numeric_target(target, self.target)
        values = target.to_numpy(np.float64, copy=True)  # pandas 3 hands out read-only views
        if self.log_target:
            require(
                bool((values > 0).all()),
                "data.log_target",
                f"needs a positive target; {self.target!r} has values <= 0",
            )
            values = np.log(values)
        return torch.as_tensor(values, dtype=torch.float32)

    def target_values(self, outputs: torch.Tensor) -> torch.Tensor:
        """A regression output in the target's units: the standardization undone, then the log."""
        values = outputs * self.target_std + self.target_mean
        return values.exp() if self.log_target else values

    def describe(self) -> dict:
        return {
            **super().describe(),
            "source": self.source,
            "target": self.target,
            "feature_info": self.feature_info,
        }

"""A CSV table's feature encoding, fitted once and applied alike to the rows of any later table.

Numbers stay numbers (a missing value takes the training rows' median; a column with no training value is
dropped, since it carries nothing to learn from); anything else is one-hot encoded
over the levels seen when fitting; every encoded column is then standardised with training-row statistics.
``predict.py`` reuses the fitted encoding on new tables, so they must have the fitted columns.
"""

import numpy as np
import pandas as pd
import torch

from dlr import console
from dlr.data.preprocess import standardization
from dlr.errors import ConfigError, require


def _impute_notice(features: pd.DataFrame) -> None:
    missing = features.isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        columns = ", ".join(f"{column} ({count})" for column, count in missing.items())
        console.error_console.print(
            f"notice: data.path: missing values imputed (numbers: training median; text: a '<missing>' "
            f"level) in {columns}",
            highlight=False,
            soft_wrap=True,
        )


def require_columns(columns: list[str], table: pd.DataFrame, name: str) -> None:
    """A new table for ``predict.py`` has exactly the training table's feature ``columns``, in any order."""
    missing = [c for c in columns if c not in table.columns]
    unexpected = [c for c in table.columns if c not in columns]
    require(
        not missing and not unexpected,
        "data.path",
        f"{name} does not have the training table's columns "
        f"(missing: {', '.join(map(str, missing)) or 'none'}; "
        f"unexpected: {', '.join(map(str, unexpected)) or 'none'})",
    )


class TableEncoding:
    def __init__(self, features: pd.DataFrame, train_rows: np.ndarray):
        numeric = features.select_dtypes(include="number")
        train = features.iloc[train_rows]
        self.columns = list(features.columns)
        self.numeric_columns = [c for c in numeric.columns if train[c].notna().any()]
        self.categorical_columns = [c for c in self.columns if c not in numeric.columns]
        for column in self.categorical_columns:
            if features[column].nunique() > max(100, len(features) // 2):
                raise ConfigError(
                    "data.path",
                    f"column {column!r} is not numeric and has too many distinct values to encode as "
                    "categories",
                )
        self.medians = train[self.numeric_columns].median()
        self.dummy_columns = list(self._dummies(features).columns)
        require(
            len(self.numeric_columns) + len(self.dummy_columns) > 0,
            "data.path",
            "the table has no feature column besides the target",
        )
        _impute_notice(features)
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None

    def _dummies(self, features: pd.DataFrame) -> pd.DataFrame:
        if not self.categorical_columns:  # pandas cannot one-hot an empty selection of columns
            return pd.DataFrame(index=features.index)
        categorical = features[self.categorical_columns].astype("string").fillna("<missing>")
        return pd.get_dummies(categorical, dtype=np.float32)

    def encode(self, features: pd.DataFrame) -> torch.Tensor:
        """Unscaled: the numeric columns, then one indicator per fitted level (unseen levels get none)."""
        numeric = features[self.numeric_columns].fillna(self.medians).to_numpy(np.float32)
        indicators = self._dummies(features).reindex(columns=self.dummy_columns, fill_value=0.0)
        return torch.as_tensor(np.concatenate([numeric, indicators.to_numpy(np.float32)], axis=1))

    def fit_scale(self, train: torch.Tensor) -> None:
        self.mean, self.std = standardization(train)

    def scale(self, encoded: torch.Tensor) -> torch.Tensor:
        return (encoded - self.mean) / self.std

    def transform(self, table: pd.DataFrame, name: str) -> torch.Tensor:
        """Encode and scale a new table ``name`` whose columns must be the fitted ones (in any order)."""
        require_columns(self.columns, table, name)
        return self.scale(self.encode(table[self.columns]))

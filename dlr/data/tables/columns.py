"""Table preprocessing after Grinsztajn, Oyallon & Varoquaux (2022), fitted on training rows only.

- Missing values: columns missing in more than ``max_missing_fraction`` of the rows are dropped, then
  every row that still has a missing value (the paper removes missing data rather than imputing it).
- Categorical columns (strings, booleans, pandas categories) keep at most ``max_categories`` levels; a
  column with more is an error naming it, or is dropped as in the paper when ``high_cardinality=drop``.
  Numbers with fewer than ``min_numerical_values`` distinct values (a year, a count of doors) are
  categorical too. Constant columns carry no information and are dropped.
- Numerical columns go through a Gaussian-output quantile transform fitted on the training rows.

The feature tensor is ``[numerical | one-hot block per categorical]``, so every net and estimator reads it
as plain numbers, while ``feature_info`` tells the tabular nets where the blocks are (they embed them).
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

from dlr.data.table_encoding import require_columns
from dlr.errors import ConfigError, require

HIGH_CARDINALITY = ("error", "drop")


@dataclass
class ColumnRoles:
    numerical: list[str] = field(default_factory=list)
    categorical: dict[str, list[str]] = field(default_factory=dict)  # column -> its levels, in code order

    def feature_info(self) -> dict:
        return {
            "n_numerical": len(self.numerical),
            "numerical": list(self.numerical),
            "categorical": list(self.categorical),
            "cardinalities": [len(levels) for levels in self.categorical.values()],
        }


def level_labels(values: pd.Series) -> pd.Series:
    """A categorical column's values as level names. Numbers are named by value: a column of counts reads as
    integers from one file and as floats (``3.0``) from another that has a gap, and both must meet one level.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(np.float64).astype(str)
    return values.astype(str)


def drop_missing(frame: pd.DataFrame, max_missing_fraction: float) -> pd.DataFrame:
    missing = frame.isna().mean()
    return frame.drop(columns=missing.index[missing > max_missing_fraction]).dropna()


def assign_roles(
    features: pd.DataFrame, max_categories: int, high_cardinality: str, min_numerical_values: int = 10
) -> ColumnRoles:
    require(
        high_cardinality in HIGH_CARDINALITY,
        "data.high_cardinality",
        f"must be error or drop, got {high_cardinality!r}",
    )
    roles = ColumnRoles()
    for column in features.columns:
        values = features[column]
        if values.nunique() < 2:
            continue
        # A quantile transform would pile a discrete number onto a few spikes.
        discrete = values.nunique() < min_numerical_values
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) and not discrete:
            roles.numerical.append(column)
            continue
        levels = sorted(level_labels(values).unique())
        if len(levels) > max_categories:
            if high_cardinality == "drop":
                continue
            raise ConfigError(
                "data.max_categories",
                f"column {column!r} is not numeric and has {len(levels)} distinct values (more than "
                f"{max_categories}) so it cannot be encoded as categories; add it to data.drop_columns "
                "or set data.high_cardinality=drop",
            )
        roles.categorical[column] = levels
    require(
        bool(roles.numerical or roles.categorical),
        "data.drop_columns",
        "no usable feature column is left after preprocessing",
    )
    return roles


class FittedColumns:
    """The encoding a table run fits on its training rows, applied alike to the rows of any later table.

    Numerical columns go through a quantile transform fitted on ``train_rows``; categorical ones are one-hot
    over the levels seen when fitting (a level never seen gets no indicator). ``predict.py`` reuses it.
    """

    def __init__(
        self,
        features: pd.DataFrame,
        roles: ColumnRoles,
        train_rows: np.ndarray,
        seed: int,
        source_columns: list[str],
    ):
        self.roles, self.source_columns = roles, source_columns
        self.quantiles = None
        if roles.numerical:
            self.quantiles = QuantileTransformer(
                n_quantiles=min(1000, len(train_rows)),
                output_distribution="normal",
                subsample=10**9,
                random_state=seed,
            )
            self.quantiles.fit(features[roles.numerical].to_numpy(np.float64)[train_rows])

    def encode(self, features: pd.DataFrame) -> np.ndarray:
        blocks = []
        if self.quantiles is not None:
            blocks.append(self.quantiles.transform(features[self.roles.numerical].to_numpy(np.float64)))
        for column, levels in self.roles.categorical.items():
            codes = pd.Categorical(level_labels(features[column]), categories=levels).codes
            blocks.append(np.eye(len(levels) + 1)[codes][:, : len(levels)])  # code -1 (unseen): all zero
        return np.concatenate(blocks, axis=1).astype(np.float32)

    def transform(self, table: pd.DataFrame, name: str) -> np.ndarray:
        """Encode a new table ``name``: the training source's feature columns, in any order, none missing.

        Columns the run dropped (``data.drop_columns``, too often missing, constant) are read and ignored.
        """
        require_columns(self.source_columns, table, name)
        text = [c for c in self.roles.numerical if not pd.api.types.is_numeric_dtype(table[c])]
        require(
            not text,
            "data.path",
            f"{name} has text in {', '.join(map(str, text))}, which the training run read as numbers",
        )
        used = list(self.roles.numerical) + list(self.roles.categorical)
        gaps = [c for c in used if table[c].isna().any()]
        require(
            not gaps,
            "data.path",
            f"{name} has missing values in {', '.join(map(str, gaps))}; the training run dropped such rows",
        )
        return self.encode(table)

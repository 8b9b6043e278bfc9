"""A user's own CSV table: numeric features standardised, categorical features one-hot encoded."""

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dlr.data.base import Split, TensorDataModule
from dlr.data.preprocess import split_indices
from dlr.data.table_encoding import TableEncoding
from dlr.errors import require

TARGET_TYPES = ("auto", "classification", "regression")
MAX_AUTO_CLASSES = 50


def read_table(path: str, target: str) -> pd.DataFrame:
    file = Path(path).expanduser()
    require(file.is_file(), "data.path", f"no such file: {file}")
    frame = pd.read_csv(file)
    require(
        target in frame.columns,
        "data.target",
        f"column {target!r} not in {file.name}; columns: {', '.join(map(str, frame.columns))}",
    )
    return frame


def is_classification(target: pd.Series, target_type: str) -> bool:
    if target_type != "auto":
        return target_type == "classification"
    if not pd.api.types.is_numeric_dtype(target):
        return True
    return pd.api.types.is_integer_dtype(target) and target.nunique() <= MAX_AUTO_CLASSES


class CSVDataModule(TensorDataModule):
    def __init__(
        self,
        path: str,
        target: str,
        target_type: str = "auto",
        test_fraction: float = 0.2,
        split_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(
            target_type in TARGET_TYPES,
            "data.target_type",
            f"must be one of {', '.join(TARGET_TYPES)}, got {target_type!r}",
        )
        self.frame = read_table(path, target)  # read now, so a bad path fails before anything is built
        self.path, self.target, self.target_type = path, target, target_type
        self.test_fraction, self.split_seed = test_fraction, split_seed

    def load(self) -> tuple[Split, Split]:
        frame = self.frame.dropna(subset=[self.target])
        target = frame[self.target]
        features = frame.drop(columns=[self.target])
        #: Fitted here, kept for new tables (predict.py): ``encoding.transform(table, name)``.
        self.encoding = TableEncoding(features)
        x = self.encoding.encode(features)
        if is_classification(target, self.target_type):
            codes = pd.Categorical(target.astype("string"))
            self.class_names = list(codes.categories)
            y = torch.as_tensor(codes.codes.astype(np.int64))
        else:
            require(
                pd.api.types.is_numeric_dtype(target),
                "data.target_type",
                f"regression needs a numeric target; {self.target!r} is not",
            )
            y = torch.as_tensor(target.to_numpy(np.float32, copy=True))  # a read-only view otherwise
        train_idx, test_idx = split_indices(len(x), self.test_fraction, self.split_seed)
        self.encoding.fit_scale(x[train_idx])
        x_train, x_test = self.encoding.scale(x[train_idx]), self.encoding.scale(x[test_idx])
        return Split(x_train, y[train_idx]), Split(x_test, y[test_idx])

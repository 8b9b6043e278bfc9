"""A user's own CSV table: numeric features standardised, categorical features one-hot encoded.

A file that cannot be a table (empty, binary, a header with no rows, too few rows, a target with no values)
stops with one line naming ``data.path`` or ``data.target``. Missing feature values are imputed from the
training rows (the median of a number, a ``<missing>`` level of a category), with a notice.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dlr.data.base import Split, TensorDataModule
from dlr.data.preprocess import split_indices
from dlr.data.table_encoding import TableEncoding
from dlr.errors import ConfigError, require

TARGET_TYPES = ("auto", "classification", "regression")
MAX_AUTO_CLASSES = 50
# Fewer rows cannot give a training, a validation and a test split worth the name.
MIN_ROWS = 10


def _parse(file: Path, key: str) -> pd.DataFrame:
    with file.open("rb") as handle:
        head = handle.read(8192)
    require(bool(head.strip()), key, f"{file} is empty; a CSV table needs a header line and rows")
    require(b"\x00" not in head, key, f"{file} is a binary file, not a CSV text table")
    try:
        return pd.read_csv(file)
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        reason = str(error).splitlines()[0]
        raise ConfigError(key, f"{file} cannot be read as a CSV table: {reason}") from None


def read_table(path: str, target: str, key: str = "data.path") -> pd.DataFrame:
    """The file's table, checked: it has rows, the ``target`` column, and enough rows with a target value.

    ``key`` is the config key that named the file (``data.path``, or ``data.source`` for ``csv:<path>``).
    """
    file = Path(path).expanduser()
    require(file.is_file(), key, f"no such file: {file}")
    frame = _parse(file, key)
    require(len(frame) > 0, key, f"{file} has a header but no rows")
    require(
        target in frame.columns,
        "data.target",
        f"column {target!r} not in {file.name}; columns: {', '.join(map(str, frame.columns))}",
    )
    labelled = int(frame[target].notna().sum())
    require(labelled > 0, "data.target", f"column {target!r} of {file.name} has no values (all are missing)")
    require(
        labelled >= MIN_ROWS,
        key,
        f"{file.name} has {labelled} row(s) with a {target!r} value; at least {MIN_ROWS} are needed",
    )
    return frame


def is_classification(target: pd.Series, target_type: str) -> bool:
    if target_type != "auto":
        return target_type == "classification"
    if not pd.api.types.is_numeric_dtype(target):
        return True
    return pd.api.types.is_integer_dtype(target) and target.nunique() <= MAX_AUTO_CLASSES


def require_numeric_target(target: pd.Series, name: str) -> None:
    require(
        pd.api.types.is_numeric_dtype(target),
        "data.target",
        f"column {name!r} holds text, so it cannot be a regression target; set data.target_type=classification "
        "or pick a numeric column",
    )


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
        frame = self.frame.dropna(subset=[self.target]).reset_index(drop=True)
        target = frame[self.target]
        if is_classification(target, self.target_type):
            codes = pd.Categorical(target.astype("string"))
            self.class_names = list(codes.categories)
            y = torch.as_tensor(codes.codes.astype(np.int64))
        else:
            require_numeric_target(target, self.target)
            y = torch.as_tensor(target.to_numpy(np.float32, copy=True))  # pandas 3 hands out read-only views
        train_idx, test_idx = split_indices(len(frame), self.test_fraction, self.split_seed)
        #: Fitted on the training rows, kept for new tables (predict.py): ``encoding.transform(table, name)``.
        self.encoding = TableEncoding(frame.drop(columns=[self.target]), train_idx.numpy())
        x = self.encoding.encode(frame.drop(columns=[self.target]))
        self.encoding.fit_scale(x[train_idx])
        x_train, x_test = self.encoding.scale(x[train_idx]), self.encoding.scale(x[test_idx])
        return Split(x_train, y[train_idx]), Split(x_test, y[test_idx])

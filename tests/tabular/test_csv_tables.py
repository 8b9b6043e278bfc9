"""A user's CSV as they would pass it: all-numeric tables train, broken files stop with one line."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine

from dlr.data.csv_table import CSVDataModule
from dlr.run.train import train
from tests.conftest import FAST, run_cli


def _wine_csv(directory: Path) -> Path:
    path = directory / "wine.csv"
    load_wine(as_frame=True).frame.rename(columns={"target": "label"}).to_csv(path, index=False)
    return path


def test_all_numeric_csv_trains_from_the_command_line(tmp_path):
    wine = _wine_csv(tmp_path)
    result = run_cli(
        "data=csv", f"data.path={wine}", "data.target=label", *FAST, "trainer.max_epochs=15",
        "hydra.run.dir=" + str(tmp_path / "run"), log_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # Three classes, the largest 40% of rows: an MLP on 13 standardised measurements does far better.
    assert record["status"] == "completed" and record["metrics"]["test/acc"] > 0.8, record["metrics"]


def test_missing_numbers_are_imputed_with_the_training_median(tmp_path, capsys):
    frame = load_wine(as_frame=True).frame.rename(columns={"target": "label"})
    frame.loc[::7, "alcohol"] = np.nan
    frame["empty"] = np.nan
    frame.to_csv(tmp_path / "holes.csv", index=False)
    data = CSVDataModule(path=str(tmp_path / "holes.csv"), target="label", val_fraction=0.0)
    data.setup()
    assert data.input_shape == (13,)  # the all-missing column is dropped, the others kept
    assert bool(np.isfinite(data.train.x.numpy()).all() and np.isfinite(data.test.x.numpy()).all())
    assert "notice: data.path: missing values imputed" in capsys.readouterr().err


def _write(path: Path, content: str | bytes) -> None:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


NUMBERS = "".join(f"{i},{i % 3}\n" for i in range(30))
BAD_TABLES = [
    ("empty", "", [], "data.path: {file} is empty"),
    ("header only", "a,label\n", [], "data.path: {file} has a header but no rows"),
    ("one row", "a,label\n1,2\n", [], "data.path: t.csv has 1 row(s) with a 'label' value; at least 10"),
    ("all-NaN target", "a,label\n" + "1,\n" * 20, [], "data.target: column 'label' of t.csv has no values"),
    ("binary", bytes(range(256)) * 4, [], "data.path: {file} is a binary file, not a CSV text table"),
    (
        "text target in a regression",
        "a,label\n" + "".join(f"{i},{'xyz'[i % 3]}\n" for i in range(30)),
        ["data.target_type=regression"],
        "data.target: column 'label' holds text, so it cannot be a regression target",
    ),
    ("unparsable", 'a,label\n1,"2\n' + NUMBERS, [], "data.path: {file} cannot be read as a CSV table"),
    ("no feature", "label\n" + "".join(f"{i % 3}\n" for i in range(30)), [], "data.path: the table has no"),
]


@pytest.mark.parametrize(
    ("content", "overrides", "expected"), [c[1:] for c in BAD_TABLES], ids=[c[0] for c in BAD_TABLES]
)
def test_bad_csv_fails_in_one_line_naming_the_key(make_cfg, capsys, tmp_path, content, overrides, expected):
    file = tmp_path / "t.csv"
    _write(file, content)
    cfg = make_cfg([*FAST, "data=csv", f"data.path={file}", "data.target=label", *overrides], run_name="bad")
    with pytest.raises(SystemExit) as exit_info:
        train(cfg)
    assert exit_info.value.code == 1
    message = capsys.readouterr().err.strip()
    expected = expected.format(file=file)
    assert len(message.splitlines()) == 1 and expected in message, message
    record = json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())
    assert record["status"] == "failed" and expected in record["error"]


def test_bad_csv_from_the_command_line_prints_no_traceback(tmp_path):
    file = tmp_path / "t.csv"
    _write(file, "a,label\n")
    result = run_cli("data=csv", f"data.path={file}", "data.target=label", log_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: data.path: {file} has a header but no rows"]
    assert "Traceback" not in result.stdout + result.stderr


def test_numeric_table_with_missing_values_reads_as_pandas_floats(tmp_path):
    # pandas 3 reads a column with blanks as float64 and a text column as its string dtype: both must encode.
    pd.DataFrame({"a": [1.0, None] * 10, "b": ["x", None] * 10, "label": [0, 1] * 10}).to_csv(
        tmp_path / "t.csv", index=False
    )
    data = CSVDataModule(path=str(tmp_path / "t.csv"), target="label", val_fraction=0.0)
    data.setup()
    assert data.input_shape == (3,)  # a, b=x, b=<missing>

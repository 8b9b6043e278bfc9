"""scikit-learn's bundled tables (no download): digits, breast_cancer, wine, iris and diabetes."""

import numpy as np
import torch
from sklearn import datasets

from dlr.data.base import Split, TensorDataModule
from dlr.data.preprocess import split_indices, standardize
from dlr.errors import require

LOADERS = {
    "digits": datasets.load_digits,
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "iris": datasets.load_iris,
    "diabetes": datasets.load_diabetes,
}
REGRESSION_SETS = {"diabetes"}


class SklearnDataModule(TensorDataModule):
    def __init__(
        self, name: str, view: str = "flat", test_fraction: float = 0.2, split_seed: int = 0, **kwargs
    ):
        super().__init__(**kwargs)
        require(name in LOADERS, "data.name", f"must be one of {', '.join(LOADERS)}, got {name!r}")
        require(view in ("flat", "image"), "data.view", f"must be flat or image, got {view!r}")
        require(view == "flat" or name == "digits", "data.view", f"image is only for digits, not {name}")
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        self.name, self.view, self.test_fraction, self.split_seed = name, view, test_fraction, split_seed
        self.data_kind = "image" if view == "image" else "tabular"

    def load(self) -> tuple[Split, Split]:
        bunch = LOADERS[self.name]()
        x = torch.as_tensor(np.asarray(bunch.data), dtype=torch.float32)
        if self.name in REGRESSION_SETS:
            y = torch.as_tensor(np.asarray(bunch.target), dtype=torch.float32)
        else:
            y = torch.as_tensor(np.asarray(bunch.target), dtype=torch.long)
            self.class_names = [str(c) for c in bunch.target_names]
        train_idx, test_idx = split_indices(len(x), self.test_fraction, self.split_seed)
        if self.view == "image":
            # Pixel intensities 0..16 keep their spatial meaning: scale, don't standardise per pixel.
            x_train, x_test = (x[train_idx] / 16.0).view(-1, 1, 8, 8), (x[test_idx] / 16.0).view(-1, 1, 8, 8)
        else:
            x_train, x_test = standardize(x[train_idx], x[test_idx])
        y_train, y_test = y[train_idx], y[test_idx]
        if y.dtype != torch.long:
            y_train, y_test = standardize(y_train.unsqueeze(1), y_test.unsqueeze(1))
            y_train, y_test = y_train.squeeze(1), y_test.squeeze(1)
        return Split(x_train, y_train), Split(x_test, y_test)

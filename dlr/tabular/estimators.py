"""Scikit-learn-style estimators (tree ensembles, TabPFN) built from a model config's ``estimator`` block.

A config names a class per task and shares the hyperparameters::

    estimator:
      classifier: xgboost.XGBClassifier
      regressor: xgboost.XGBRegressor
      params: {n_estimators: ${width}, learning_rate: 0.1}
"""

import numpy as np
from hydra.utils import get_object
from omegaconf import DictConfig, OmegaConf
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error, r2_score

from dlr.data.base import CLASSIFICATION, Split
from dlr.errors import require
from dlr.tabular.flat_rows import estimator_rows

ROLES = {"classification": "classifier", "regression": "regressor"}


def build_estimator(spec: DictConfig, task_type: str):
    role = ROLES[task_type]
    require(
        spec.get(role) is not None,
        f"model.estimator.{role}",
        f"this model has no {role}, so it cannot fit {task_type} data",
    )
    params = OmegaConf.to_container(spec.params, resolve=True) if spec.get("params") else {}
    return get_object(spec[role])(**params)


def class_probabilities(estimator, x: np.ndarray, n_classes: int) -> np.ndarray:
    """Probabilities over all ``n_classes``, also when the training rows lacked some class."""
    full = np.zeros((len(x), n_classes))
    full[:, np.asarray(estimator.classes_, dtype=int)] = estimator.predict_proba(x)
    return full / full.sum(1, keepdims=True)  # float32 outputs (XGBoost) sum to 1 only approximately


def score(estimator, split: Split, stage: str, task_type: str, n_classes: int | None) -> dict[str, float]:
    """The metrics a Lightning run logs for the same stage: loss and acc, or loss (MSE), mae and r2."""
    x, y = estimator_rows(split)
    if task_type == CLASSIFICATION:
        probabilities = class_probabilities(estimator, x, n_classes)
        return {
            f"{stage}/loss": float(log_loss(y, probabilities, labels=list(range(n_classes)))),
            f"{stage}/acc": float((probabilities.argmax(1) == y).mean()),
        }
    predictions = np.asarray(estimator.predict(x), dtype=np.float64).reshape(-1)
    return {
        f"{stage}/loss": float(mean_squared_error(y, predictions)),
        f"{stage}/mae": float(mean_absolute_error(y, predictions)),
        f"{stage}/r2": float(r2_score(y, predictions)),
    }

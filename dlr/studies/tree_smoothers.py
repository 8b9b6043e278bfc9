"""Trees, forests and gradient boosting as linear smoothers: the weights each prediction puts on y_train.

A fitted tree predicts the (bootstrap-weighted) average of the training targets in the leaf an input
falls in, so s(x0)_i is i's share of that leaf. A forest averages its trees' weights; gradient boosting
with squared loss adds, stage by stage, a tree smoother applied to the current residuals, which gives
S_m = S_{m-1} + lr * L_m (I - S_{m-1}^train) (Curth, Jeffares & van der Schaar 2023). The weights
reproduce the estimator's own predictions, which is what the tests check.
"""

import numpy as np
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from dlr.studies.effective_parameters import effective_parameters

TREES = (DecisionTreeRegressor, DecisionTreeClassifier)
FORESTS = (RandomForestRegressor, RandomForestClassifier)


def _leaf_weights(tree, x_train: np.ndarray, x_eval: np.ndarray, counts: np.ndarray) -> np.ndarray:
    same_leaf = tree.apply(x_eval)[:, None] == tree.apply(x_train)[None, :]
    weights = same_leaf * counts[None, :]
    return weights / weights.sum(1, keepdims=True)


def _bootstrap_counts(forest, n: int) -> list[np.ndarray]:
    """How often each training row was drawn for each tree (all ones without bootstrap)."""
    if not forest.bootstrap:
        return [np.ones(n)] * len(forest.estimators_)
    return [np.bincount(drawn, minlength=n).astype(float) for drawn in forest.estimators_samples_]


def _boosting_weights(
    model: GradientBoostingRegressor, x_train: np.ndarray, x_eval: np.ndarray
) -> np.ndarray:
    if model.loss != "squared_error" or model.subsample != 1.0 or model.init not in (None, "zero"):
        raise ValueError(
            "gradient boosting is a linear smoother only with squared_error loss, subsample=1, default init"
        )
    n = len(x_train)
    start = 0.0 if model.init == "zero" else 1.0 / n
    train, evaluated = np.full((n, n), start), np.full((len(x_eval), n), start)
    for (tree,) in model.estimators_:
        residual = np.eye(n) - train  # the stage fits the residuals y - S_train y
        ones = np.ones(n)
        train = train + model.learning_rate * _leaf_weights(tree, x_train, x_train, ones) @ residual
        evaluated = evaluated + model.learning_rate * _leaf_weights(tree, x_train, x_eval, ones) @ residual
    return evaluated


def smoother_weights(estimator, x_train: np.ndarray, x_eval: np.ndarray) -> np.ndarray:
    """(len(x_eval), len(x_train)) weights: prediction(x_eval) = weights @ y_train (one-hot y if classes)."""
    x_train, x_eval = np.asarray(x_train, dtype=np.float32), np.asarray(x_eval, dtype=np.float32)
    if isinstance(estimator, TREES):
        return _leaf_weights(estimator, x_train, x_eval, np.ones(len(x_train)))
    if isinstance(estimator, FORESTS):
        counts = _bootstrap_counts(estimator, len(x_train))
        return np.mean(
            [
                _leaf_weights(t, x_train, x_eval, c)
                for t, c in zip(estimator.estimators_, counts, strict=True)
            ],
            axis=0,
        )
    if isinstance(estimator, GradientBoostingRegressor):
        return _boosting_weights(estimator, x_train, x_eval)
    raise ValueError(
        f"{type(estimator).__name__} is not a supported smoother (trees, random forests, gradient boosting)"
    )


def is_smoother(estimator) -> bool:
    return isinstance(estimator, TREES + FORESTS + (GradientBoostingRegressor,))


def effective_parameter_metrics(estimator, x_train: np.ndarray, x_test: np.ndarray) -> dict[str, float]:
    """``effective/p_train`` and ``effective/p_test`` of a fitted estimator; empty if it is no smoother."""
    if not is_smoother(estimator):
        return {}
    return {
        "effective/p_train": effective_parameters(smoother_weights(estimator, x_train, x_train)),
        "effective/p_test": effective_parameters(smoother_weights(estimator, x_train, x_test)),
    }

"""An ensemble of gradient-boosted models: the second capacity axis of Curth, Jeffares & van der Schaar (2023).

Their boosting experiment first adds boosting rounds to one model, then averages ``n_ensemble`` boosted
models that differ only in their random feature subsets (``max_features``) and seed. Each member is a
squared-loss ``GradientBoostingRegressor``, a linear smoother, so the average is one too: its smoother
weights are the members' weights averaged, which gives the ensemble's effective parameters.
"""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import GradientBoostingRegressor

from dlr.analysis.effective_parameters import effective_parameters
from dlr.analysis.tree_smoothers import smoother_weights
from dlr.errors import require


class BoostedEnsemble(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        n_estimators: int = 100,
        n_ensemble: int = 1,
        learning_rate: float = 0.85,
        max_leaf_nodes: int = 10,
        max_features: str | float | None = "sqrt",
        random_state: int = 0,
    ):
        self.n_estimators = n_estimators
        self.n_ensemble = n_ensemble
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: np.ndarray) -> "BoostedEnsemble":
        require(
            self.n_ensemble >= 1, "model.estimator.params.n_ensemble", f"must be >= 1, got {self.n_ensemble}"
        )
        self.estimators_ = [
            GradientBoostingRegressor(
                n_estimators=self.n_estimators,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                max_depth=None,
                max_features=self.max_features,
                random_state=self.random_state * 1000 + member,
            ).fit(x, y)
            for member in range(self.n_ensemble)
        ]
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.mean([member.predict(x) for member in self.estimators_], axis=0)

    def smoother_weights(self, x_train: np.ndarray, x_eval: np.ndarray) -> np.ndarray:
        return np.mean([smoother_weights(member, x_train, x_eval) for member in self.estimators_], axis=0)

    def effective_parameter_metrics(self, x_train: np.ndarray, x_test: np.ndarray) -> dict[str, float]:
        return {
            "effective/p_train": effective_parameters(self.smoother_weights(x_train, x_train)),
            "effective/p_test": effective_parameters(self.smoother_weights(x_train, x_test)),
        }

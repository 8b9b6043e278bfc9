"""The size of a fitted tree model: its number of leaves, summed over every tree it holds.

A leaf stores the fitted value(s) for its region, so the leaf count is the tree model's raw parameter
count, the x axis of a capacity sweep (Curth, Jeffares & van der Schaar 2023 count leaves and trees).
Runs record it as ``params/total``; an estimator this module does not know gets no count.
"""

import numpy as np
from sklearn.ensemble import BaseEnsemble, HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.tree import BaseDecisionTree


def _booster_leaves(estimator) -> int | None:
    if type(estimator).__module__.startswith("xgboost"):
        return sum(tree.count("leaf=") for tree in estimator.get_booster().get_dump())
    if type(estimator).__module__.startswith("lightgbm"):
        return sum(tree["num_leaves"] for tree in estimator.booster_.dump_model()["tree_info"])
    return None


def leaf_count(estimator) -> int | None:
    """Leaves of a fitted tree, forest, boosted model (scikit-learn, XGBoost, LightGBM); else None."""
    if isinstance(estimator, BaseDecisionTree):
        return int(estimator.get_n_leaves())
    if isinstance(estimator, HistGradientBoostingClassifier | HistGradientBoostingRegressor):
        return sum(int(tree.nodes["is_leaf"].sum()) for stage in estimator._predictors for tree in stage)
    members = getattr(estimator, "estimators_", None)
    if isinstance(estimator, BaseEnsemble) or members is not None:
        counts = [leaf_count(member) for member in np.ravel(members)] if members is not None else [None]
        return None if None in counts else sum(counts)
    return _booster_leaves(estimator)

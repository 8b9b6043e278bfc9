"""Trees, forests and gradient boosting as linear smoothers: the weights each prediction puts on y_train.

A fitted tree predicts the (bootstrap-weighted) average of the training targets in the leaf an input
falls in, so s(x0)_i is i's share of that leaf. A forest averages its trees' weights; gradient boosting
with squared loss adds, stage by stage, a tree smoother applied to the current residuals, which gives
S_m = S_{m-1} + lr * L_m (I - S_{m-1}^train) (Curth, Jeffares & van der Schaar 2023). The weights
reproduce the estimator's own predictions, which is what the tests check.

Memory. A forest's weights are a product of two sparse leaf-indicator matrices, (inputs x leaves of all
trees) @ (leaves x training rows), never one dense matrix per tree. The effective parameters need only the
squared norms of the rows, so they are summed over blocks of ``EVAL_BLOCK_ROWS`` evaluation rows: at most
``EVAL_BLOCK_ROWS * n_train`` weights exist at once (10 MB per 1,000 training rows). Gradient boosting's
recursion needs dense (n_train x n_train) matrices; above ``MAX_BOOSTING_BYTES`` it is skipped with a notice.

Time. p_hat is a mean over evaluation inputs, so a forest's is estimated (unbiased) on a seeded sample of at
most ``MAX_EVAL_ROWS`` of them: the exact sum costs (rows x trees x leaf size).
"""

import numpy as np
from scipy import sparse
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from dlr import console
from dlr.analysis.effective_parameters import effective_parameters

TREES = (DecisionTreeRegressor, DecisionTreeClassifier)
FORESTS = (RandomForestRegressor, RandomForestClassifier)
EVAL_BLOCK_ROWS = 1024
MAX_BOOSTING_BYTES = 2 * 1024**3
MAX_EVAL_ROWS = 4096


def _leaf_indicator(tree, x: np.ndarray, values: np.ndarray) -> sparse.csr_matrix:
    """(len(x), nodes) with ``values[i]`` at row i's leaf."""
    return sparse.csr_matrix(
        (values, (np.arange(len(x)), tree.apply(x))), shape=(len(x), tree.tree_.node_count)
    )


def _tree_factors(tree, x_train, x_eval, counts: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(E, R) with E @ R = the tree's weights: E marks each input's leaf, R spreads a leaf over its rows."""
    members = _leaf_indicator(tree, x_train, counts)
    totals = np.asarray(members.sum(0)).ravel()
    share = sparse.diags(np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0))
    return _leaf_indicator(tree, x_eval, np.ones(len(x_eval))), (members @ share).T.tocsr()


def _bootstrap_counts(forest, n: int) -> list[np.ndarray]:
    """How often each training row was drawn for each tree (all ones without bootstrap)."""
    if not forest.bootstrap:
        return [np.ones(n)] * len(forest.estimators_)
    return [np.bincount(drawn, minlength=n).astype(float) for drawn in forest.estimators_samples_]


def _smoother_factors(estimator, x_train, x_eval) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """A tree's or a forest's weights as E @ R, both sparse (the forest's mean is in R)."""
    if isinstance(estimator, TREES):
        return _tree_factors(estimator, x_train, x_eval, np.ones(len(x_train)))
    trees = estimator.estimators_
    factors = [
        _tree_factors(tree, x_train, x_eval, counts)
        for tree, counts in zip(trees, _bootstrap_counts(estimator, len(x_train)), strict=True)
    ]
    leaves = sparse.hstack([e for e, _ in factors]).tocsr()
    return leaves, sparse.vstack([r for _, r in factors]).tocsr() / len(trees)


def _product(leaves: sparse.csr_matrix, spread: sparse.csr_matrix) -> sparse.csr_matrix:
    return (leaves @ spread).tocsr()


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
    ones = np.ones(n)
    for (tree,) in model.estimators_:
        residual = np.eye(n) - train  # the stage fits the residuals y - S_train y
        on_train, on_eval = (_product(*_tree_factors(tree, x_train, x, ones)) for x in (x_train, x_eval))
        train = train + model.learning_rate * (on_train @ residual)
        evaluated = evaluated + model.learning_rate * (on_eval @ residual)
    return evaluated


def _as_float32(*arrays: np.ndarray) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float32) for a in arrays]


def smoother_weights(estimator, x_train: np.ndarray, x_eval: np.ndarray) -> np.ndarray:
    """(len(x_eval), len(x_train)) weights: prediction(x_eval) = weights @ y_train (one-hot y if classes)."""
    x_train, x_eval = _as_float32(x_train, x_eval)
    if isinstance(estimator, TREES + FORESTS):
        leaves, spread = _smoother_factors(estimator, x_train, x_eval)
        return _product(leaves, spread).toarray()
    if isinstance(estimator, GradientBoostingRegressor):
        return _boosting_weights(estimator, x_train, x_eval)
    raise ValueError(
        f"{type(estimator).__name__} is not a supported smoother (trees, random forests, gradient boosting)"
    )


def is_smoother(estimator) -> bool:
    return isinstance(estimator, TREES + FORESTS + (GradientBoostingRegressor,))


def _forest_effective_parameters(estimator, x_train: np.ndarray, x_eval: np.ndarray) -> float:
    """p_hat = n / |I0| * sum ||s(x0)||^2, summed over blocks of evaluation rows (bounded memory)."""
    if len(x_eval) > MAX_EVAL_ROWS:
        x_eval = x_eval[np.random.default_rng(0).choice(len(x_eval), MAX_EVAL_ROWS, replace=False)]
    leaves, spread = _smoother_factors(estimator, x_train, x_eval)
    squares = 0.0
    for start in range(0, len(x_eval), EVAL_BLOCK_ROWS):
        block = _product(leaves[start : start + EVAL_BLOCK_ROWS], spread)
        squares += float(np.square(block.data).sum())
    return len(x_train) / len(x_eval) * squares


def effective_parameter_metrics(estimator, x_train: np.ndarray, x_test: np.ndarray) -> dict[str, float]:
    """``effective/p_train`` and ``effective/p_test`` of a fitted estimator; empty if it is no smoother."""
    if not is_smoother(estimator):
        return {}
    x_train, x_test = _as_float32(x_train, x_test)
    if isinstance(estimator, TREES + FORESTS):
        return {
            f"effective/p_{name}": _forest_effective_parameters(estimator, x_train, x)
            for name, x in (("train", x_train), ("test", x_test))
        }
    n, m = len(x_train), len(x_test)
    needed = 8 * n * (3 * n + 2 * m)  # train, residual and their product; the test weights and their update
    if needed > MAX_BOOSTING_BYTES:
        console.error_console.print(
            f"notice: effective parameters of gradient boosting skipped: {n} training rows need "
            f"{needed / 1024**3:.1f} GiB (limit {MAX_BOOSTING_BYTES / 1024**3:.0f} GiB)",
            highlight=False,
        )
        return {}
    return {
        "effective/p_train": effective_parameters(_boosting_weights(estimator, x_train, x_train)),
        "effective/p_test": effective_parameters(_boosting_weights(estimator, x_train, x_test)),
    }

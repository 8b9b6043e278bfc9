"""Effective parameters: smoother weights reproduce the predictions, and Curth et al.'s findings hold."""

import numpy as np
import pytest
import torch
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

from dlr.analysis.effective_parameters import effective_parameters
from dlr.analysis.tree_smoothers import effective_parameter_metrics, smoother_weights
from dlr.nets.random_features import RandomFourierFeatures


def _regression(n: int, m: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n + m, 5))
    y = x[:, 0] - 2 * x[:, 1] ** 2 + 0.3 * rng.normal(size=n + m)
    return x[:n], y[:n], x[n:]


@pytest.mark.parametrize(
    "estimator",
    [
        DecisionTreeRegressor(max_leaf_nodes=16, random_state=0),
        RandomForestRegressor(n_estimators=8, max_features=0.6, random_state=0),
        RandomForestRegressor(n_estimators=8, max_samples=0.5, random_state=0),
        GradientBoostingRegressor(n_estimators=20, max_depth=2, learning_rate=0.2, random_state=0),
    ],
    ids=["tree", "forest", "forest_subsampled", "boosting"],
)
def test_tree_smoother_weights_reproduce_predictions(estimator):
    x, y, x_test = _regression(150, 60)
    estimator.fit(x, y)
    weights = smoother_weights(estimator, x, x_test)
    np.testing.assert_allclose(weights @ y, estimator.predict(x_test), atol=1e-8)
    metrics = effective_parameter_metrics(estimator, x, x_test)
    assert 0 < metrics["effective/p_test"] and 0 < metrics["effective/p_train"] <= 150


def test_forest_classifier_probabilities_are_smoothed_one_hot_labels():
    x, y, x_test = _regression(150, 40)
    labels = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    forest = RandomForestClassifier(n_estimators=6, random_state=0).fit(x, labels)
    np.testing.assert_allclose(
        smoother_weights(forest, x, x_test) @ np.eye(3)[labels], forest.predict_proba(x_test)
    )


def test_a_leaf_per_sample_tree_uses_exactly_n_parameters_on_train():
    x, y, x_test = _regression(100, 50)
    tree = DecisionTreeRegressor(random_state=0).fit(x, y)  # grown to purity: one sample per leaf
    assert effective_parameters(smoother_weights(tree, x, x)) == pytest.approx(100)


def test_random_features_beyond_threshold_p_train_saturates_while_p_test_falls():
    """Curth et al. 2023: past N = n, p_train stays at n and p_test decreases as N grows."""
    torch.manual_seed(0)
    n, x = 80, torch.randn(80 + 200, 6)
    y = torch.sin(x[:, :1] * 2) + 0.1 * torch.randn(len(x), 1)
    p_train, p_test = {}, {}
    for width in (40, 80, 160, 640, 2560):
        net = RandomFourierFeatures((6,), 1, width=width, bandwidth=2.0)
        net.fit(x[:n], y[:n].double())
        with torch.no_grad():
            np.testing.assert_allclose(net.smoother(x[n:]) @ y[:n].double(), net(x[n:]).double(), atol=1e-4)
        p_train[width] = effective_parameters(net.smoother(x[:n]))
        p_test[width] = effective_parameters(net.smoother(x[n:]))
    assert p_train[40] == pytest.approx(40, abs=1e-6)  # below the threshold p_train = N
    assert all(p_train[w] == pytest.approx(n, abs=1e-4) for w in (80, 160, 640, 2560))
    assert p_test[80] > p_test[160] > p_test[640] > p_test[2560]
    assert p_test[80] == max(p_test.values())  # the test-time count peaks at the threshold

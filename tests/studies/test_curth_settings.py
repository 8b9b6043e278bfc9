"""Curth, Jeffares & van der Schaar (2023)'s three settings: min-norm fits, forests, boosted ensembles, RFF on PCs."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.ensemble import RandomForestRegressor

from dlr.analysis.effective_parameters import effective_parameters
from dlr.analysis.tree_smoothers import effective_parameter_metrics
from dlr.nets.principal_features import PrincipalComponentFeatures
from dlr.nets.random_features import FeatureRegression, RandomFourierFeatures
from dlr.tabular.boosted_ensemble import BoostedEnsemble
from tests.conftest import run_cli


@pytest.mark.parametrize("p", [5, 20, 40, 80])
def test_min_norm_fit_uses_min_n_p_effective_parameters_on_train(p):
    torch.manual_seed(p)
    n, x = 40, torch.randn(40, p)
    net = FeatureRegression((p,), 1)
    net.fit(x, torch.randn(n, 1, dtype=torch.float64))
    assert effective_parameters(net.smoother(x)) == pytest.approx(min(n, p), abs=1e-6)


def test_forest_p_test_falls_with_ensemble_size():
    """Averaging more fully grown, feature-subsampled trees (no bootstrap) smooths the test-time fit."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 8))
    y = x[:, 0] + np.sin(2 * x[:, 1]) + 0.3 * rng.normal(size=300)
    p_test, p_train = [], []
    for trees in (1, 3, 10, 30):
        forest = RandomForestRegressor(trees, max_features="sqrt", bootstrap=False, random_state=0)
        metrics = effective_parameter_metrics(forest.fit(x[:200], y[:200]), x[:200], x[200:])
        p_test.append(metrics["effective/p_test"])
        p_train.append(metrics["effective/p_train"])
    assert p_test == sorted(p_test, reverse=True) and p_test[-1] < 0.8 * p_test[0]
    assert p_train == pytest.approx([200] * 4)  # every tree interpolates the training set


def test_boosted_ensemble_smoother_reproduces_its_predictions():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(120, 6)), rng.normal(size=120)
    ensemble = BoostedEnsemble(n_estimators=8, n_ensemble=3, random_state=0).fit(x[:80], y[:80])
    weights = ensemble.smoother_weights(x[:80], x[80:])
    np.testing.assert_allclose(weights @ y[:80], ensemble.predict(x[80:]), atol=1e-8)
    members = {tuple(np.round(m.predict(x[80:85]), 6)) for m in ensemble.estimators_}
    assert len(members) == 3  # the members differ (feature subsets, seeds), so averaging them does something


def test_all_principal_components_give_the_min_norm_random_features_fit():
    """Min-norm least squares on N > n features is least squares on the n leading principal components."""
    torch.manual_seed(0)
    x, y = torch.randn(90, 5), torch.randn(60, 2, dtype=torch.float64)
    torch.manual_seed(1)
    plain = RandomFourierFeatures((5,), 2, width=200, bandwidth=2.0)
    torch.manual_seed(1)
    projected = PrincipalComponentFeatures((5,), 2, width=200, n_components=60, bandwidth=2.0)
    plain.fit(x[:60], y)
    projected.fit(x[:60], y)
    with torch.no_grad():
        np.testing.assert_allclose(projected(x[60:]), plain(x[60:]), atol=1e-4)
    fewer = PrincipalComponentFeatures((5,), 2, width=200, n_components=10, bandwidth=2.0)
    fewer.fit(x[:60], y)
    assert effective_parameters(fewer.smoother(x[:60])) == pytest.approx(10, abs=1e-6)


@pytest.mark.slow
def test_dd_trees_sweep_draws_raw_and_effective_parameter_figures(tmp_path):
    """The documented command, with a smaller grid: records count leaves, and all three figures are drawn."""
    result = run_cli(
        "-m", "experiment=dd_trees", "width=4,64", "model.estimator.params.n_estimators=1,4", log_dir=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sweep summary failed" not in result.stdout + result.stderr
    sweep = next((tmp_path / "multiruns" / "dd_trees").iterdir())
    for name in ("double_descent.png", "effective_parameters.png", "composite_axis.png"):
        assert (sweep / name).stat().st_size > 10_000, name
    table = pd.read_csv(sweep / "summary.csv")
    leaves = table.set_index(["width", "model.estimator.params.n_estimators"])["params/total"]
    assert leaves[(4, 1)] == 4 and leaves[(4, 4)] == 16 and leaves[(64, 4)] > leaves[(64, 1)]

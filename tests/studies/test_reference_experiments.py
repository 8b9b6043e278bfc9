"""The closed-form reference experiments, composed from their real configs: (a) dd_linear and (b) dd_rff.

The sweeps' points are fitted directly through the built net (no trainer: milliseconds each); one job per
experiment goes through the whole flow to show what its metrics.json holds.
"""

import numpy as np
import pytest
import torch

from dlr.analysis.theory import min_norm_risk
from dlr.run.train import train
from dlr.tasks import from_config


def _fit(cfg) -> tuple[float, float]:
    """(test squared loss, test error) of the experiment's model fitted on the experiment's data."""
    datamodule = from_config.build_datamodule(cfg)
    task = from_config.build_task(cfg, datamodule)
    task.net.fit(datamodule.train.x, task._targets(datamodule.train.y))
    with torch.no_grad():
        outputs = task.net(datamodule.test.x)
    loss = float(task.loss(outputs, datamodule.test.y))
    error = (
        float((outputs.argmax(1) != datamodule.test.y).float().mean())
        if task.classification
        else float("nan")
    )
    return loss, error


@pytest.mark.parametrize("p", [50, 100, 400, 800])  # gamma = 0.25, 0.5, 2, 4: away from n = 200
def test_dd_linear_matches_hastie_closed_form(make_cfg, p):
    cfg = make_cfg(["experiment=dd_linear", f"width={p}"])
    risks = []
    for seed in range(16):  # the data (beta, X, noise) are drawn from the seed
        cfg.seed = seed
        risks.append(_fit(cfg)[0])
    theory = float(min_norm_risk(p / 200, 0.25, 1.0))
    assert abs(np.mean(risks) - theory) / theory < 0.10, (np.mean(risks), theory)


def test_dd_linear_tuned_ridge_has_no_peak(make_cfg):
    at_threshold = _fit(make_cfg(["experiment=dd_linear", "width=200", "model.net.ridge=gcv"]))[0]
    min_norm = _fit(make_cfg(["experiment=dd_linear", "width=200"]))[0]
    assert at_threshold < 1.0  # tuned ridge stays below the null risk r^2 = 1 ...
    assert min_norm > 10.0  # ... where min-norm least squares explodes


def test_dd_rff_error_peaks_at_interpolation_threshold(make_cfg):
    n = 200
    ratios = [0.25, 0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 2.0, 4.0]
    errors = [
        _fit(make_cfg(["experiment=dd_rff", f"data.n_train={n}", f"width={int(r * n)}"]))[1] for r in ratios
    ]
    peak = ratios[int(np.argmax(errors))]
    assert 0.9 <= peak <= 1.1, dict(zip(ratios, errors, strict=True))
    assert errors[-1] < 0.5 * max(errors) and errors[0] < 0.5 * max(errors)  # a real peak, not a plateau


def test_dd_rff_job_records_effective_parameters(make_cfg):
    record = train(make_cfg(["experiment=dd_rff", "data.n_train=100", "width=300"]))
    metrics = record["metrics"]
    assert record["status"] == "completed" and metrics["params/total"] == 300 * 10
    assert metrics["train/acc"] == 1.0  # N > n: the min-norm fit interpolates
    assert abs(metrics["effective/p_train"] - 100) < 1e-6  # ... so p_train saturates at n
    assert metrics["effective/p_test"] > 0 and metrics["test/acc"] > 0.6

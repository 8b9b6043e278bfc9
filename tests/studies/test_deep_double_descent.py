"""(c) dd_mnist1d at a reduced budget: test error rises as the train error first reaches zero, then falls.

The real protocol (4000 signals, 500 epochs, 19 widths) takes minutes; this keeps its config and noise but
trains 1000 signals for 300 full-speed Adam epochs at three widths: under, at and far beyond the point
where the noisy training set is first fitted exactly.
"""

import time

import pytest

from dlr.run.train import train

REDUCED = [
    "experiment=dd_mnist1d",
    "data.num_samples=4000",
    "data.train_split=0.5",
    "data.n_train=1000",
    "data.label_noise=0.2",
    "data.batch_size=250",
    "optimizer=adam",
    "optimizer.lr=0.01",
    "trainer.max_epochs=300",
]


@pytest.mark.slow
def test_test_error_peaks_where_train_error_first_reaches_zero(make_cfg):
    started = time.process_time()
    metrics = {
        w: train(make_cfg([*REDUCED, f"width={w}"], run_name=f"w{w}"))["metrics"] for w in (8, 24, 128)
    }
    train_error = {w: 1 - m["train/acc"] for w, m in metrics.items()}
    test_error = {w: 1 - m["test/acc"] for w, m in metrics.items()}
    print({"train_error": train_error, "test_error": test_error, "cpu_s": time.process_time() - started})
    assert train_error[8] > 0.1 and train_error[24] < 0.02 and train_error[128] < 0.02
    assert test_error[24] > test_error[8] + 0.01  # rising into the interpolation threshold
    assert test_error[128] < test_error[24] - 0.02  # and falling again beyond it

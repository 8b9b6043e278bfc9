"""The deconvolutional net draws each digit class: every generated image lies nearest its own class's mean.

Baselines: chance for the class match is 1 / 10; for the MSE, the mean image of all digits.
"""

import torch

from dlr.nets.deconv import Deconv
from tests.nets.test_autoencoders import run


def test_deconv_generates_recognisable_classes(make_cfg):
    metrics, run_dir, baseline = run(make_cfg, ["model=deconv", "width=16"])
    assert metrics["test/class_match"] >= 0.9
    # A label alone predicts a digit better than the average digit does.
    assert metrics["test/recon_mse"] < 0.8 * baseline
    assert (run_dir / "class_samples.png").is_file()


def test_deconv_shapes_come_from_the_data():
    assert Deconv((1, 8, 8), 10, width=4)(torch.eye(10)).shape == (10, 1, 8, 8)
    assert Deconv((1, 40), 10, width=4)(torch.eye(10)).shape == (10, 1, 40)
    assert Deconv((3, 28, 28), 5, width=4, code_size=7)(torch.randn(2, 7)).shape == (2, 3, 28, 28)

"""The reconstruction task's corruptions and sparsity penalties do what their names say."""

import pytest
import torch

from dlr.errors import ConfigError
from dlr.nets.autoencoders import Autoencoder
from dlr.tasks.reconstruction import ReconstructionTask


def task(**options) -> ReconstructionTask:
    return ReconstructionTask(
        Autoencoder((16,), 2, width=8, code_size=4), data_info={"input_shape": [16]}, **options
    )


def test_corruptions_damage_as_configured():
    torch.manual_seed(0)
    x = torch.rand(2000, 16)
    masked = task(corruption="masking", corruption_level=0.3).corrupt(x)
    assert (masked == 0).float().mean() == pytest.approx(0.3, abs=0.02)
    noisy = task(corruption="gaussian", corruption_level=0.2).corrupt(x)
    assert (noisy - x).std() == pytest.approx(0.2, abs=0.01)
    salted = task(corruption="salt_pepper", corruption_level=0.1).corrupt(x)
    changed = salted != x
    assert changed.float().mean() == pytest.approx(0.1, abs=0.02)
    assert set(salted[changed].unique().tolist()) <= {x.min().item(), x.max().item()}
    assert torch.equal(task().corrupt(x), x)


def test_sparsity_penalties():
    code = torch.full((4, 3), 0.05)
    assert task(sparsity="kl", sparsity_target=0.05).sparsity_penalty(code) == pytest.approx(0.0, abs=1e-6)
    assert task(sparsity="kl", sparsity_target=0.05).sparsity_penalty(code + 0.4) > 0.5
    assert task(sparsity="l1").sparsity_penalty(-code) == pytest.approx(0.15)
    with pytest.raises(ConfigError, match="code_activation=sigmoid"):
        task(sparsity="kl").sparsity_penalty(code - 1)


def test_bad_options_fail_naming_the_key():
    with pytest.raises(ConfigError, match="model.task.corruption"):
        task(corruption="blur")
    with pytest.raises(ConfigError, match="model.task.corruption_level"):
        task(corruption="masking", corruption_level=1.5)

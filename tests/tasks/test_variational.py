"""The negative ELBO's KL term is the closed form for Gaussians; the traversal moves one latent per row."""

import torch

from dlr.nets.autoencoders import VariationalAutoencoder
from dlr.tasks.variational import VariationalTask


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    torch.manual_seed(0)
    task = VariationalTask(
        VariationalAutoencoder((6,), 1, width=8, latent_size=2), data_info={"input_shape": [6]}
    )
    x = torch.rand(16, 6)
    zeros = torch.zeros(16, 2)
    _, _, kl = task.negative_elbo(x, zeros, zeros)
    assert kl == 0
    _, _, kl = task.negative_elbo(x, torch.ones(16, 2), zeros)
    assert torch.isclose(kl, torch.tensor(1.0))  # 0.5 * |mu|^2 with two unit means


def test_latent_traversal_sweeps_each_latent_alone():
    task = VariationalTask(
        VariationalAutoencoder((6,), 1, width=8, latent_size=3),
        data_info={"input_shape": [6]},
        traversal_steps=4,
    )
    seen = []
    task.net.decode = lambda z: seen.append(z) or z
    codes = task.latent_traversal(torch.zeros(3))
    assert codes.shape == (12, 3)
    assert torch.equal(codes[:4, 0], torch.linspace(-3, 3, 4)) and (codes[:4, 1:] == 0).all()
    assert torch.equal(codes[4:8, 1], torch.linspace(-3, 3, 4)) and (codes[4:8, [0, 2]] == 0).all()

"""Autoencoders: deterministic (ae, dae, sae), variational (vae) and its convolutional form (dcign).

Every autoencoder offers ``encode`` and ``decode``; tasks combine them (corrupting the input, penalising
the code, sampling a latent). Dense coders are one-hidden-layer MLPs of ``width`` units: any data kind.
"""

import math

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.conv_parts import ConvDecoder, ConvEncoder
from dlr.nets.mlp import MLP

CODE_ACTIVATIONS = {"none": nn.Identity, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}


def dense_coders(
    input_shape: tuple[int, ...], width: int, encoded: int, code_size: int
) -> tuple[nn.Module, nn.Module]:
    """(encoder to ``encoded`` features, decoder from ``code_size`` back to ``input_shape``)."""
    encoder = MLP(input_shape, encoded, width=width, depth=1)
    decoder = nn.Sequential(
        MLP((code_size,), math.prod(input_shape), width=width, depth=1), nn.Unflatten(1, tuple(input_shape))
    )
    return encoder, decoder


def _check_sizes(width: int, code_size: int, key: str) -> None:
    require(width >= 1, "width", f"must be >= 1, got {width}")
    require(code_size >= 1, f"model.net.{key}", f"must be >= 1, got {code_size}")


class Autoencoder(nn.Module):
    data_kinds = MLP.data_kinds  # built of MLPs

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        code_size: int = 16,
        code_activation: str = "none",
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        _check_sizes(width, code_size, "code_size")
        require(
            code_activation in CODE_ACTIVATIONS,
            "model.net.code_activation",
            f"must be one of {', '.join(CODE_ACTIVATIONS)}, got {code_activation!r}",
        )
        self.code_activation = code_activation
        encoder, self.decoder = dense_coders(tuple(input_shape), width, code_size, code_size)
        self.encoder = nn.Sequential(encoder, CODE_ACTIVATIONS[code_activation]())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(code)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class VariationalAutoencoder(nn.Module):
    """q(z|x) = N(mu, diag(exp(logvar))), p(z) = N(0, I); ``decode(z)`` is the mean of the Gaussian p(x|z)."""

    data_kinds = MLP.data_kinds  # built of MLPs

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        latent_size: int = 8,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        _check_sizes(width, latent_size, "latent_size")
        self.latent_size = latent_size
        self.encoder, self.decoder = self.make_coders(tuple(input_shape), width, latent_size)

    @staticmethod
    def make_coders(
        input_shape: tuple[int, ...], width: int, latent_size: int
    ) -> tuple[nn.Module, nn.Module]:
        return dense_coders(input_shape, width, 2 * latent_size, latent_size)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance) of q(z|x)."""
        mean, log_variance = self.encoder(x).chunk(2, dim=1)
        return mean, log_variance

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction from the posterior mean."""
        return self.decode(self.encode(x)[0])


class DCIGN(VariationalAutoencoder):
    """Deep Convolutional Inverse Graphics Network: the VAE with convolutional coders."""

    data_kinds = ("signal", "image")

    @staticmethod
    def make_coders(
        input_shape: tuple[int, ...], width: int, latent_size: int
    ) -> tuple[nn.Module, nn.Module]:
        return ConvEncoder(input_shape, width, 2 * latent_size), ConvDecoder(latent_size, input_shape, width)

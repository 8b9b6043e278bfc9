"""Embeddings of table columns for the tabular nets (Gorishniy et al. 2021, 2022).

The input row is ``[numerical | one-hot block per categorical]``; ``feature_info`` (from the data's facts)
says how many numerical columns lead and how wide each block is. Without it every column is numerical.

Numerical embeddings turn each scalar into a ``dim``-vector with its own parameters:
- ``linear``: ``x * w + b`` (the FT-Transformer's tokenizer);
- ``periodic``: ``[sin(2 pi c x), cos(2 pi c x)]`` with learned frequencies ``c ~ N(0, sigma)``, then
  linear and ReLU (PLR, Gorishniy et al. 2022);
- ``piecewise_linear``: the position of ``x`` within ``n_bins`` bins (1 below it, a fraction inside, 0 above),
  then linear and ReLU (PLE). The bin edges are standard-normal quantiles, which are the training quantiles
  for features that went through the Gaussian quantile transform of ``dlr.tabular``.
"""

import math

import torch
from torch import nn

from dlr.errors import require

NUMERICAL_EMBEDDINGS = ("linear", "periodic", "piecewise_linear")


class ColumnSplit(nn.Module):
    """Splits a row into numerical values and categorical codes (the argmax of each one-hot block)."""

    def __init__(self, n_inputs: int, feature_info: dict | None):
        super().__init__()
        info = feature_info or {"n_numerical": n_inputs, "cardinalities": []}
        self.n_numerical = int(info["n_numerical"])
        self.cardinalities = [int(c) for c in info["cardinalities"]]
        require(
            self.n_numerical + sum(self.cardinalities) == n_inputs,
            "data",
            f"feature_info does not describe {n_inputs} input columns",
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        numerical = x[:, : self.n_numerical]
        blocks = (
            torch.split(x[:, self.n_numerical :], self.cardinalities, dim=1) if self.cardinalities else ()
        )
        codes = [block.argmax(1) for block in blocks]
        categorical = torch.stack(codes, 1) if codes else x.new_zeros((len(x), 0), dtype=torch.long)
        return numerical, categorical


class PerFeatureLinear(nn.Module):
    """A separate linear map for each of ``n_features`` features: (B, n, in_size) -> (B, n, out_size)."""

    def __init__(self, n_features: int, in_size: int, out_size: int):
        super().__init__()
        bound = 1 / math.sqrt(in_size)
        self.weight = nn.Parameter(torch.empty(n_features, in_size, out_size).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_features, out_size).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bni,nio->bno", x, self.weight) + self.bias


class NumericalEmbedding(nn.Module):
    def __init__(
        self,
        n_features: int,
        dim: int,
        kind: str = "linear",
        n_frequencies: int = 16,
        sigma: float = 0.5,
        n_bins: int = 16,
    ):
        super().__init__()
        require(
            kind in NUMERICAL_EMBEDDINGS,
            "model.net.numerical_embedding",
            f"must be one of {', '.join(NUMERICAL_EMBEDDINGS)}, got {kind!r}",
        )
        require(n_bins >= 2, "model.net.n_bins", f"must be >= 2, got {n_bins}")
        self.kind = kind
        if kind == "periodic":
            self.frequencies = nn.Parameter(torch.randn(n_features, n_frequencies) * sigma)
        if kind == "piecewise_linear":
            probabilities = torch.linspace(0.01, 0.99, n_bins + 1)
            self.register_buffer("edges", torch.distributions.Normal(0.0, 1.0).icdf(probabilities))
        in_size = {"linear": 1, "periodic": 2 * n_frequencies, "piecewise_linear": n_bins}[kind]
        self.linear = PerFeatureLinear(n_features, in_size, dim)

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "linear":
            return x.unsqueeze(-1)
        if self.kind == "periodic":
            angles = 2 * math.pi * x.unsqueeze(-1) * self.frequencies
            return torch.cat([torch.sin(angles), torch.cos(angles)], -1)
        left, right = self.edges[:-1], self.edges[1:]
        ratio = (x.unsqueeze(-1) - left) / (right - left)
        # The first bin is open below and the last open above, so extreme values stay distinguishable.
        return torch.cat(
            [ratio[..., :1].clamp(max=1), ratio[..., 1:-1].clamp(0, 1), ratio[..., -1:].clamp(min=0)], -1
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embedded = self.linear(self._encode(x))
        return embedded if self.kind == "linear" else torch.relu(embedded)


class CategoricalEmbedding(nn.Module):
    """One learned vector per level of each categorical column: (B, c) codes -> (B, c, dim)."""

    def __init__(self, cardinalities: list[int], dim: int):
        super().__init__()
        self.register_buffer("offsets", torch.tensor([0, *cardinalities[:-1]], dtype=torch.long).cumsum(0))
        self.embedding = nn.Embedding(max(sum(cardinalities), 1), dim)
        self.bias = nn.Parameter(torch.zeros(len(cardinalities), dim))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.embedding(codes + self.offsets) + self.bias


class ColumnEmbedding(nn.Module):
    """A row as tokens: (B, n_numerical, dim) numerical tokens and (B, n_categorical, dim) categorical ones.

    With ``numerical_embedding=None`` the numerical values stay raw, as (B, n_numerical, 1).
    """

    def __init__(
        self, n_inputs: int, feature_info: dict | None, dim: int, numerical_embedding: str | None, **options
    ):
        super().__init__()
        self.columns = ColumnSplit(n_inputs, feature_info)
        n_numerical, cardinalities = self.columns.n_numerical, self.columns.cardinalities
        self.numerical = None
        if numerical_embedding is not None and n_numerical:
            self.numerical = NumericalEmbedding(n_numerical, dim, numerical_embedding, **options)
        self.categorical = CategoricalEmbedding(cardinalities, dim) if cardinalities else None
        self.flat_size = (
            n_numerical * (dim if numerical_embedding is not None else 1) + len(cardinalities) * dim
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        numerical, codes = self.columns(x)
        tokens = [numerical.unsqueeze(-1) if self.numerical is None else self.numerical(numerical)]
        if self.categorical is not None:
            tokens.append(self.categorical(codes))
        return tokens

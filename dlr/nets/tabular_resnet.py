"""The tabular ResNet of Gorishniy et al. (2021), "Revisiting Deep Learning Models for Tabular Data".

Input: numerical features (raw, or each embedded) and one learned embedding per categorical column,
concatenated. Then ``depth`` residual blocks ``x + Dropout(Linear(Dropout(ReLU(Linear(BatchNorm(x))))))``
of ``width`` units (hidden ``hidden_factor * width``), and a BatchNorm-ReLU-Linear head.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.feature_embeddings import ColumnEmbedding


class ResidualBlock(nn.Module):
    def __init__(self, width: int, hidden: int, hidden_dropout: float, residual_dropout: float):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm1d(width), nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(hidden_dropout),
            nn.Linear(hidden, width), nn.Dropout(residual_dropout),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class TabularResNet(nn.Module):
    data_kinds = ("tabular",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 128,
        depth: int = 2,
        hidden_factor: float = 2.0,
        hidden_dropout: float = 0.1,
        residual_dropout: float = 0.0,
        numerical_embedding: str | None = None,
        embedding_dim: int = 8,
        n_frequencies: int = 16,
        sigma: float = 0.5,
        n_bins: int = 16,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(
            len(input_shape) == 1,
            "data",
            f"the tabular ResNet reads rows of features, got input shape {tuple(input_shape)}",
        )
        require(
            width >= 1 and depth >= 0, "width", f"width must be >= 1 and depth >= 0, got {width}, {depth}"
        )
        feature_info = (data_info or {}).get("feature_info")
        options = {"n_frequencies": n_frequencies, "sigma": sigma, "n_bins": n_bins}
        self.embed = ColumnEmbedding(
            input_shape[0], feature_info, embedding_dim, numerical_embedding, **options
        )
        in_size = self.embed.flat_size
        hidden = max(1, int(round(hidden_factor * width)))
        self.stem = nn.Linear(in_size, width)
        self.blocks = nn.Sequential(
            *[ResidualBlock(width, hidden, hidden_dropout, residual_dropout) for _ in range(depth)]
        )
        self.head = nn.Sequential(nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, output_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = torch.cat([tokens.flatten(1) for tokens in self.embed(x)], 1)
        return self.head(self.blocks(self.stem(features)))

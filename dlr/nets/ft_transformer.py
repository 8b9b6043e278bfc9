"""The FT-Transformer of Gorishniy et al. (2021): every column becomes a token, a Transformer mixes them.

The feature tokenizer embeds each numerical value (``linear`` as in the paper, or the ``periodic`` and
``piecewise_linear`` embeddings of Gorishniy et al. 2022) and each categorical level into ``width``
dimensions; a learned [CLS] token is prepended, ``depth`` pre-norm Transformer blocks follow, and the head
(LayerNorm, ReLU, Linear) reads the [CLS] token.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.nets.feature_embeddings import NUMERICAL_EMBEDDINGS, ColumnEmbedding


class FTTransformer(nn.Module):
    data_kinds = ("tabular",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 64,
        depth: int = 2,
        n_heads: int = 4,
        ffn_factor: float = 4 / 3,
        attention_dropout: float = 0.1,
        numerical_embedding: str = "linear",
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
            f"the FT-Transformer reads rows of features, got input shape {tuple(input_shape)}",
        )
        require(width % n_heads == 0, "model.net.n_heads", f"must divide width={width}, got {n_heads}")
        # Every column must become a width-sized token, so raw numerical values are not an option here.
        allowed = ", ".join(NUMERICAL_EMBEDDINGS)
        require(
            numerical_embedding in NUMERICAL_EMBEDDINGS,
            "model.net.numerical_embedding",
            f"must be one of {allowed}",
        )
        feature_info = (data_info or {}).get("feature_info")
        options = {"n_frequencies": n_frequencies, "sigma": sigma, "n_bins": n_bins}
        self.embed = ColumnEmbedding(input_shape[0], feature_info, width, numerical_embedding, **options)
        self.cls = nn.Parameter(torch.randn(1, 1, width) * width**-0.5)
        layer = nn.TransformerEncoderLayer(
            width, n_heads, dim_feedforward=max(1, int(round(ffn_factor * width))), dropout=attention_dropout,
            activation="gelu", batch_first=True, norm_first=True,
        )  # fmt: skip
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(width), nn.ReLU(), nn.Linear(width, output_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = torch.cat([self.cls.expand(len(x), -1, -1), *self.embed(x)], 1)
        return self.head(self.blocks(tokens)[:, 0])

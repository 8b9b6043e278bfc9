"""TabM (Gorishniy, Kotelnikov & Babenko, ICLR 2025): one MLP that is an ensemble of ``k`` MLPs.

The `tabm` package (PyPI, Yandex Research) builds the BatchEnsemble-style backbone: the members share
their weights and differ by per-member scaling vectors, so ``k`` = 32 MLPs cost about one. The net returns
``(batch, k, outputs)``; :class:`dlr.tasks.ensemble_members.EnsembleMembersTask` trains every member on the
mean of their losses and predicts with the mean of their probabilities, as the paper does.
Categorical columns reach TabM as codes (it one-hot encodes them itself), recovered from the input's
one-hot blocks by :class:`dlr.nets.feature_embeddings.ColumnSplit`.
"""

import torch
from tabm import TabM
from torch import nn

from dlr.errors import require
from dlr.nets.feature_embeddings import ColumnSplit


class TabMNet(nn.Module):
    data_kinds = ("tabular",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 512,
        depth: int = 3,
        k: int = 32,
        dropout: float = 0.1,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(
            len(input_shape) == 1,
            "data",
            f"TabM reads rows of features, got input shape {tuple(input_shape)}",
        )
        require(width >= 1 and depth >= 1, "width", f"width and depth must be >= 1, got {width}, {depth}")
        require(k >= 1, "model.net.k", f"must be >= 1 ensemble members, got {k}")
        self.columns = ColumnSplit(input_shape[0], (data_info or {}).get("feature_info"))
        self.tabm = TabM.make(
            n_num_features=self.columns.n_numerical,
            cat_cardinalities=self.columns.cardinalities or None,
            d_out=output_size,
            k=k,
            d_block=width,
            n_blocks=depth,
            dropout=dropout,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        numerical, categorical = self.columns(x)
        return self.tabm(
            numerical if self.columns.n_numerical else None, categorical if categorical.shape[1] else None
        )

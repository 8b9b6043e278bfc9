"""The tabular nets learn from numerical and categorical columns, with every numerical embedding."""

import pytest
import torch

from dlr.nets.feature_embeddings import ColumnSplit, NumericalEmbedding
from dlr.nets.ft_transformer import FTTransformer
from dlr.nets.tabular_resnet import TabularResNet
from dlr.run.train import train
from tests.conftest import FAST

INFO = {"feature_info": {"n_numerical": 2, "cardinalities": [3, 2]}}


def test_column_split_recovers_category_codes():
    x = torch.tensor([[0.5, -1.0, 0, 0, 1, 1, 0], [2.0, 0.0, 1, 0, 0, 0, 1]])
    numerical, codes = ColumnSplit(7, INFO["feature_info"])(x)
    assert numerical.tolist() == [[0.5, -1.0], [2.0, 0.0]]
    assert codes.tolist() == [[2, 0], [0, 1]]


def test_piecewise_linear_encoding_counts_the_bins_below():
    embedding = NumericalEmbedding(1, 4, "piecewise_linear", n_bins=8)
    codes = embedding._encode(torch.tensor([[-5.0], [0.0], [5.0]]))
    assert codes.shape == (3, 1, 8)
    assert codes[0, 0, 1:].sum() == 0 and codes[2, 0, :-1].sum() == 7  # all bins below a large value are full
    assert 3.5 < codes[1, 0].sum() < 4.5  # zero is the median: about half the bins


@pytest.mark.parametrize("net", [TabularResNet, FTTransformer])
@pytest.mark.parametrize("embedding", ["linear", "periodic", "piecewise_linear"])
def test_nets_embed_every_column_kind(net, embedding):
    model = net((7,), 3, width=16, depth=1, numerical_embedding=embedding, data_info=INFO)
    assert model(torch.randn(5, 7)).shape == (5, 3)


@pytest.mark.parametrize(
    "model, options",
    [
        ("mlp", []),
        ("tabular_resnet", ["model.net.numerical_embedding=periodic"]),
        ("ft_transformer", ["model.net.numerical_embedding=piecewise_linear"]),
    ],
)
def test_net_beats_majority_class_on_penguins(make_cfg, model, options):
    record = train(
        make_cfg([f"model={model}", "data=penguins", "width=32", *FAST, "trainer.max_epochs=8", *options])
    )
    assert record["metrics"]["test/acc"] > 0.44 + 0.3  # Adelie, the largest class, is 44%


def test_resnet_beats_the_mean_on_carseats_regression(make_cfg):
    record = train(
        make_cfg(["model=tabular_resnet", "data=carseats", "width=32", *FAST, "trainer.max_epochs=15"])
    )
    assert record["metrics"]["test/r2"] > 0.3  # the mean scores 0

"""The graph convolution net: node classification (transductive, masked) and graph classification."""

import pytest
import torch

from dlr.errors import ConfigError
from dlr.nets.gcn import GCN, normalized_adjacency
from dlr.run.train import train
from dlr.tasks import from_config
from tests.conftest import FAST


def test_gcn_classifies_karate_club_members_from_a_few_labels(make_cfg):
    record = train(
        make_cfg(
            [*FAST, "model=gcn", "data=karate", "width=16", "optimizer.lr=0.01", "trainer.max_epochs=50"]
        )
    )
    assert record["data"]["n_train"] == 8 and record["data"]["n_test"] == 21  # labelled nodes, not graphs
    assert record["metrics"]["test/acc"] > 0.75  # chance (and the majority club) is 0.5; measured 0.95


def test_gcn_classifies_generated_graph_families(make_cfg):
    data = ["data=graph_classification", "data.n_graphs=240", "data.families=[cycle,tree,erdos_renyi]"]
    record = train(make_cfg([*FAST, "model=gcn", *data, "width=32", "trainer.max_epochs=12"]))
    assert record["metrics"]["test/acc"] > 0.55  # chance is 1/3


def test_gcn_on_images_fails_with_one_line_naming_both(make_cfg):
    with pytest.raises(SystemExit):
        train(make_cfg([*FAST, "model=gcn", "data=digits"]))
    cfg = make_cfg([*FAST, "model=gcn", "data=digits"])

    with pytest.raises(
        ConfigError, match=r"model=gcn cannot read data=digits \(image data\); it accepts graph"
    ):
        from_config.build_task(cfg, from_config.build_datamodule(cfg))


def test_padding_nodes_change_neither_node_outputs_nor_the_graph_readout():
    torch.manual_seed(0)
    adjacency = torch.tensor([[1.0, 1, 0], [1, 1, 1], [0, 1, 1]])
    features = torch.randn(3, 2)
    graph = torch.cat([adjacency, features], 1).unsqueeze(0)
    padded = torch.zeros(1, 5, 7)
    padded[0, :3, :3], padded[0, :3, 5:] = adjacency, features
    small = GCN((3, 5), 4, width=8, depth=2, data_info={"prediction_level": "graph"})
    large = GCN((5, 7), 4, width=8, depth=2, data_info={"prediction_level": "graph"})
    large.load_state_dict(small.state_dict())
    torch.testing.assert_close(small(graph), large(padded))
    assert normalized_adjacency(padded[..., :5])[0, 3:].abs().sum() == 0

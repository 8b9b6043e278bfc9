"""Graph datamodules: the packed (N, N + F) layout, transductive masks and generated graph families."""

import networkx as nx
import torch

from dlr.data.graphs import (
    UNLABELLED,
    GraphClassificationDataModule,
    KarateClubDataModule,
    SBMDataModule,
    pack_graph,
)


def test_pack_graph_puts_self_looped_adjacency_beside_features_and_pads_with_zeros():
    packed = pack_graph(nx.path_graph(3), torch.full((3, 2), 5.0), n_max=4)
    assert packed.shape == (4, 6)
    assert packed[:3, :3].tolist() == [[1, 1, 0], [1, 1, 1], [0, 1, 1]]
    assert packed[3].abs().sum() == 0 and (packed[:3, 4:] == 5).all()


def test_karate_masks_split_the_members_without_overlap():
    dm = KarateClubDataModule(n_train_per_class=3, val_fraction=0.2, batch_size=1)
    dm.setup()
    assert dm.input_shape == (34, 68) and dm.num_classes == 2 and dm.data_kind == "graph"
    labelled = [split.y[0] != UNLABELLED for split in (dm.train, dm.val, dm.test)]
    assert sum(mask.long() for mask in labelled).max() == 1 and sum(m.sum() for m in labelled) == 34
    assert labelled[0].sum() == 6 and dm.train.y[0][labelled[0]].bincount().tolist() == [3, 3]
    assert torch.equal(dm.train.x, dm.test.x)  # transductive: every split sees the whole graph
    assert dm.describe()["prediction_level"] == "node"


def test_sbm_communities_are_denser_inside_than_between():
    dm = SBMDataModule(n_communities=2, community_size=30, p_in=0.3, p_out=0.02, batch_size=1)
    dm.setup()
    adjacency = dm.train.x[0, :, :60] - torch.eye(60)
    inside, between = adjacency[:30, :30].mean(), adjacency[:30, 30:].mean()
    assert inside > 5 * between


def test_graph_classification_pads_graphs_and_balances_families():
    dm = GraphClassificationDataModule(
        families=("cycle", "tree"), n_graphs=40, min_nodes=5, max_nodes=9, batch_size=8
    )
    dm.setup()
    assert dm.input_shape == (9, 11) and dm.num_classes == 2 and dm.describe()["prediction_level"] == "graph"
    x = torch.cat([dm.train.x, dm.val.x, dm.test.x])
    y = torch.cat([dm.train.y, dm.val.y, dm.test.y])
    n_nodes = x[:, :, :9].diagonal(dim1=1, dim2=2).sum(1)
    n_edges = (x[:, :, :9].sum((1, 2)) - n_nodes) / 2
    assert ((5 <= n_nodes) & (n_nodes <= 9)).all()
    assert torch.equal(n_edges[y == 0], n_nodes[y == 0]) and torch.equal(n_edges[y == 1], n_nodes[y == 1] - 1)

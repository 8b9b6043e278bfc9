"""Graphs as dense tensors: node classification (karate club, block model graphs) and graph classification.

Layout. A graph of at most ``N`` nodes with ``F`` features per node is one ``(N, N + F)`` tensor: the first
``N`` columns are the adjacency with self-loops on real nodes (padding nodes have an all-zero row, so a
zero diagonal marks padding), the rest are the node features. One tensor per graph lets the existing
loader slice batches of graphs, and nets read everything from the input shape.

Node classification is transductive: every split holds the same single graph, and its labels mark the
split's nodes, with ``-1`` on all other nodes (a task then scores labelled nodes only). Graph
classification holds many padded graphs, one class label each. ``describe()["prediction_level"]`` says
which of the two a net must output: one vector per node or one per graph.
"""

import networkx as nx
import numpy as np
import torch

from dlr.data.base import Split, TensorDataModule
from dlr.data.preprocess import split_indices
from dlr.errors import require

UNLABELLED = -1
FAMILIES = ("cycle", "tree", "erdos_renyi", "sbm")


def pack_graph(graph: nx.Graph, features: torch.Tensor, n_max: int) -> torch.Tensor:
    """The ``(n_max, n_max + F)`` tensor of a graph: padded adjacency with self-loops, then the features."""
    n = graph.number_of_nodes()
    packed = torch.zeros(n_max, n_max + features.shape[1])
    packed[:n, :n] = torch.as_tensor(
        nx.to_numpy_array(graph, nodelist=sorted(graph.nodes)), dtype=torch.float32
    )
    packed[:n, :n] += torch.eye(n)
    packed[:n, n_max:] = features
    return packed


class NodeClassificationDataModule(TensorDataModule):
    """One graph: n_train_per_class labelled nodes per class train, val_fraction of the rest validate."""

    data_kind = "graph"

    def __init__(self, name: str = "graph", n_train_per_class: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.name = name  # the data= option, for messages
        require(n_train_per_class >= 1, "data.n_train_per_class", f"must be >= 1, got {n_train_per_class}")
        require(
            self.n_train is None,
            "data.n_train",
            "node classification counts labelled nodes: use data.n_train_per_class",
        )
        require(
            self.label_noise == 0, "data.label_noise", "is not supported for node classification; set it to 0"
        )
        self.n_train_per_class = n_train_per_class

    def graph(self) -> tuple[nx.Graph, torch.Tensor, torch.Tensor]:
        """Return (graph with nodes 0..N-1, node features (N, F), node labels (N,) int64)."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self._prepared:
            return
        graph, features, labels = self.graph()
        x = pack_graph(graph, features, graph.number_of_nodes()).unsqueeze(0)
        generator = torch.Generator().manual_seed(self.seed)
        order = torch.randperm(len(labels), generator=generator)
        train_nodes = torch.cat(
            [order[labels[order] == c][: self.n_train_per_class] for c in labels.unique()]
        )
        rest = order[~torch.isin(order, train_nodes)]
        n_val = int(round(self.val_fraction * len(rest)))
        self.node_splits = {"train": train_nodes, "val": rest[:n_val], "test": rest[n_val:]}
        masked = {}
        for name, nodes in self.node_splits.items():
            masked[name] = torch.full_like(labels, UNLABELLED)
            masked[name][nodes] = labels[nodes]
        self.train, self.val, self.test = (
            Split(x, masked[name].unsqueeze(0)) for name in ("train", "val", "test")
        )
        self._prepared = True

    def describe(self) -> dict:
        counts = {f"n_{name}": len(nodes) for name, nodes in self.node_splits.items()}
        return {**super().describe(), **counts, "prediction_level": "node", "n_nodes": self.input_shape[0]}


class KarateClubDataModule(NodeClassificationDataModule):
    """Zachary's karate club (34 members, shipped with networkx); labels are the two clubs after the split."""

    def graph(self) -> tuple[nx.Graph, torch.Tensor, torch.Tensor]:
        graph = nx.karate_club_graph()
        clubs = sorted({graph.nodes[v]["club"] for v in graph.nodes})
        self.class_names = clubs
        labels = torch.tensor([clubs.index(graph.nodes[v]["club"]) for v in sorted(graph.nodes)])
        # No member attributes exist, so each node gets its own one-hot id (the classic featureless setup).
        return graph, torch.eye(graph.number_of_nodes()), labels


class SBMDataModule(NodeClassificationDataModule):
    """A stochastic block model: communities are the labels, features are a noisy view of the community."""

    def __init__(
        self,
        n_communities: int = 3,
        community_size: int = 60,
        p_in: float = 0.15,
        p_out: float = 0.02,
        n_features: int = 8,
        feature_noise: float = 1.5,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(
            n_communities >= 2 and community_size >= 2,
            "data.n_communities",
            "need >= 2 communities of >= 2 nodes",
        )
        require(
            0 <= p_out <= 1 and 0 <= p_in <= 1,
            "data.p_in",
            f"p_in and p_out must be in [0, 1], got {p_in}, {p_out}",
        )
        self.n_communities, self.community_size, self.p_in, self.p_out = (
            n_communities,
            community_size,
            p_in,
            p_out,
        )
        self.n_features, self.feature_noise, self.dataset_seed = n_features, feature_noise, dataset_seed

    def graph(self) -> tuple[nx.Graph, torch.Tensor, torch.Tensor]:
        sizes = [self.community_size] * self.n_communities
        probabilities = np.full((self.n_communities, self.n_communities), self.p_out)
        np.fill_diagonal(probabilities, self.p_in)
        graph = nx.stochastic_block_model(sizes, probabilities.tolist(), seed=self.dataset_seed)
        labels = torch.arange(self.n_communities).repeat_interleave(self.community_size)
        generator = torch.Generator().manual_seed(self.dataset_seed)
        centres = torch.randn(self.n_communities, self.n_features, generator=generator)
        noise = self.feature_noise * torch.randn(len(labels), self.n_features, generator=generator)
        self.class_names = [f"community {c}" for c in range(self.n_communities)]
        return graph, centres[labels] + noise, labels


def random_graph(family: str, n: int, rng: np.random.Generator) -> nx.Graph:
    """A graph of ``n`` nodes from one family; erdos_renyi and sbm share the expected degree (about 4)."""
    seed = int(rng.integers(2**31))
    if family == "cycle":
        return nx.cycle_graph(n)
    if family == "tree":
        return nx.random_labeled_tree(n, seed=seed)
    if family == "erdos_renyi":
        return nx.gnp_random_graph(n, 4.0 / (n - 1), seed=seed)
    half = n // 2
    # Two dense halves joined by a few edges, with the same mean degree as erdos_renyi (where n allows).
    p_in, p_out = min(1.0, 3.5 / (half - 1)), 0.5 / half
    return nx.stochastic_block_model([half, n - half], [[p_in, p_out], [p_out, p_in]], seed=seed)


class GraphClassificationDataModule(TensorDataModule):
    """Generated graphs labelled by the family that made them; node features are (1, degree / max_nodes)."""

    data_kind = "graph"

    def __init__(
        self,
        name: str = "graph_classification",
        families: tuple[str, ...] = FAMILIES,
        n_graphs: int = 600,
        min_nodes: int = 12,
        max_nodes: int = 24,
        test_fraction: float = 0.2,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        unknown = sorted(set(families) - set(FAMILIES))
        require(
            len(families) >= 2 and not unknown,
            "data.families",
            f"need >= 2 of {', '.join(FAMILIES)}; unknown: {unknown}",
        )
        require(
            4 <= min_nodes <= max_nodes,
            "data.min_nodes",
            f"need 4 <= min_nodes <= max_nodes, got {min_nodes}, {max_nodes}",
        )
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        self.name = name
        self.families, self.n_graphs, self.min_nodes, self.max_nodes = (
            list(families),
            n_graphs,
            min_nodes,
            max_nodes,
        )
        self.test_fraction, self.dataset_seed = test_fraction, dataset_seed

    def load(self) -> tuple[Split, Split]:
        rng = np.random.default_rng(self.dataset_seed)
        labels = torch.arange(self.n_graphs) % len(self.families)
        graphs = []
        for label in labels.tolist():
            graph = random_graph(
                self.families[label], int(rng.integers(self.min_nodes, self.max_nodes + 1)), rng
            )
            degree = torch.tensor([d for _, d in sorted(graph.degree)], dtype=torch.float32)
            features = torch.stack([torch.ones_like(degree), degree / self.max_nodes], dim=1)
            graphs.append(pack_graph(graph, features, self.max_nodes))
        x = torch.stack(graphs)
        self.class_names = self.families
        train_idx, test_idx = split_indices(len(x), self.test_fraction, self.dataset_seed)
        return Split(x[train_idx], labels[train_idx]), Split(x[test_idx], labels[test_idx])

    def describe(self) -> dict:
        return {**super().describe(), "prediction_level": "graph", "n_nodes": self.max_nodes}

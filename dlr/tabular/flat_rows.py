"""What an estimator fits on: one flat feature row per labelled example, whatever the data's structure.

Trees read tables, so every other structure is flattened: a signal ``(1, 40)`` or an image ``(1, 8, 8)``
becomes 40 or 64 columns, a forecasting window its values. A node-classification graph is one sample
``(N, N + F)`` whose labels mark only the split's nodes; its rows are those nodes' own rows, i.e. each node's
adjacency row and features, so a tree sees the graph's links as columns but cannot aggregate neighbours.
"""

import numpy as np

from dlr.data.base import Split
from dlr.data.graphs import UNLABELLED


def estimator_rows(split: Split) -> tuple[np.ndarray, np.ndarray]:
    """(x of shape (rows, features), y of shape (rows,) or (rows, outputs)) for fitting or scoring."""
    x, y = split.x.numpy(), split.y.numpy()
    if x.ndim == 3 and y.ndim == 2 and len(x) == len(y) and y.shape[1] == x.shape[1]:  # per-node labels
        x, y = x.reshape(-1, x.shape[-1]), y.reshape(-1)
        labelled = y != UNLABELLED
        return x[labelled], y[labelled]
    x = x.reshape(len(x), -1)
    return x, (y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y)

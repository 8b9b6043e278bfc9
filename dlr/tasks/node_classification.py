"""Supervised learning on graphs: per-node labels are scored on the current split's nodes only.

In transductive node classification every split holds the whole graph and the net predicts every node,
but the labels mark only the split's nodes (the others are ``-1``, see :mod:`dlr.data.graphs`), so the
loss and the metrics keep the labelled nodes. Per-graph labels (graph classification) pass through as in
:class:`~dlr.tasks.supervised.SupervisedTask`, so one task serves both levels.
"""

import torch

from dlr.data.graphs import UNLABELLED
from dlr.tasks.supervised import SupervisedTask


class NodeClassificationTask(SupervisedTask):
    def scored(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = batch
        outputs = self.net(x)
        if y.dim() > 1:  # (batch, nodes) labels against (batch, nodes, classes) outputs
            labelled = y != UNLABELLED
            outputs, y = outputs[labelled], y[labelled]
        return outputs, y

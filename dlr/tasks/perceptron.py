"""Training a single-layer perceptron with Rosenblatt's rule or a multi-class hinge loss (``rule``).

The perceptron rule, for a mistake on (x, y) with predicted class p: ``w_y += lr * x`` and ``w_p -= lr * x``
(biases alike), nothing when right. That is exactly one SGD step of ``lr`` on the perceptron criterion
``score_p - score_y``, which is how it is run here: plain SGD at ``learning_rate``, ignoring the configured
optimizer and scheduler. Over a batch the step averages the samples' updates; ``data.batch_size=1`` is the
classic online rule. ``hinge`` minimises ``multi_margin_loss`` (margin 1) with the configured optimizer.
"""

import torch
import torch.nn.functional as F

from dlr.errors import require
from dlr.tasks.supervised import SupervisedTask

RULES = ("perceptron", "hinge")


class PerceptronTask(SupervisedTask):
    def __init__(self, *args, rule: str = "perceptron", learning_rate: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        require(rule in RULES, "model.task.rule", f"must be one of {', '.join(RULES)}, got {rule!r}")
        require(self.classification, "data", "the perceptron classifies; pick classification data")
        require(learning_rate > 0, "model.task.learning_rate", f"must be > 0, got {learning_rate}")
        self.rule, self.learning_rate = rule, learning_rate

    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.rule == "hinge":
            return F.multi_margin_loss(outputs, y)
        predicted = outputs.detach().argmax(1, keepdim=True)
        return (outputs.gather(1, predicted) - outputs.gather(1, y.unsqueeze(1))).mean()

    def configure_optimizers(self):
        if self.rule == "perceptron":
            return torch.optim.SGD(self.parameters(), lr=self.learning_rate)
        return super().configure_optimizers()

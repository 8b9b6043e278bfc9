"""The Boltzmann machine learning rule: clamped-phase minus free-phase correlations, with exact statistics.

``∂ log p(data) / ∂J_ij = <s_i s_j>_clamped - <s_i s_j>_free``. The net computes both phases by enumeration
and the task hands them to the configured optimizer as gradients. Reported: the exact mean ``log_likelihood``
of the data (``loss`` is its negative) next to the uniform distribution's (``ll_uniform`` = -visible·log 2).
"""

import math

from dlr.tasks.rule_based import RuleTask


class BoltzmannLearningTask(RuleTask):
    metric_names = ("loss", "log_likelihood", "ll_uniform")
    uses_optimizer = True

    def training_step(self, batch, batch_idx):
        v = batch[0]
        optimizer = self.optimizers()
        optimizer.zero_grad()
        for parameter, gradient in zip(self.net.parameters(), self.net.learning_gradients(v), strict=True):
            parameter.grad = gradient
        optimizer.step()

    def evaluate(self, batch, stage: str) -> None:
        log_likelihood = self.net.log_likelihood(batch[0]).mean()
        self.track(stage, len(batch[0]), loss=-log_likelihood, log_likelihood=log_likelihood)
        self.track(stage, len(batch[0]), ll_uniform=-self.net.n_visible * math.log(2))

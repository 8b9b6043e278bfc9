"""Token sequences drawn from a random ground-truth Markov chain, for sequence models and the Markov chain.

Each row of the true transition matrix is drawn from a Dirichlet with ``concentration`` (small values give
peaked, predictable rows). A sample's input is a sequence of ``length`` state ids and its target the same
sequence shifted by one step (next-token prediction). The true chain's per-transition log-likelihood on the
test sequences is recorded as the ceiling any fitted model can reach.
"""

import numpy as np
import torch

from dlr.data.base import Split, TensorDataModule
from dlr.errors import require


def random_chain(n_states: int, concentration: float, seed: int) -> torch.Tensor:
    """A row-stochastic ``(n_states, n_states)`` matrix with Dirichlet(concentration) rows."""
    rows = np.random.default_rng(seed).dirichlet(np.full(n_states, concentration), size=n_states)
    rows = torch.as_tensor(rows, dtype=torch.float32).clamp_min(1e-12)
    return rows / rows.sum(1, keepdim=True)


def sample_chain(
    transition: torch.Tensor, n_sequences: int, length: int, generator: torch.Generator
) -> torch.Tensor:
    """``(n_sequences, length)`` state ids, starting uniformly at random."""
    states = torch.empty(n_sequences, length, dtype=torch.long)
    states[:, 0] = torch.randint(len(transition), (n_sequences,), generator=generator)
    for t in range(1, length):
        states[:, t] = torch.multinomial(transition[states[:, t - 1]], 1, generator=generator).squeeze(1)
    return states


class MarkovSequencesDataModule(TensorDataModule):
    data_kind = "tokens"

    def __init__(
        self,
        n_states: int = 20,
        concentration: float = 0.2,
        n_sequences: int = 600,
        length: int = 50,
        test_fraction: float = 0.2,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(n_states >= 2, "data.n_states", f"must be >= 2, got {n_states}")
        require(concentration > 0, "data.concentration", f"must be > 0, got {concentration}")
        require(length >= 2, "data.length", f"must be >= 2, got {length}")
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        n_test = int(round(test_fraction * n_sequences))
        require(
            0 < n_test < n_sequences,
            "data.n_sequences",
            f"{n_sequences} leaves no train or no test sequences",
        )
        self.n_states, self.concentration, self.n_sequences = n_states, concentration, n_sequences
        self.length, self.n_test, self.dataset_seed = length, n_test, dataset_seed
        self.true_transition: torch.Tensor | None = None
        self.true_log_likelihood: float | None = None

    def load(self) -> tuple[Split, Split]:
        generator = torch.Generator().manual_seed(self.dataset_seed)
        self.true_transition = random_chain(self.n_states, self.concentration, self.dataset_seed)
        states = sample_chain(self.true_transition, self.n_sequences, self.length + 1, generator)
        x, y = states[:, :-1], states[:, 1:]
        test = Split(x[: self.n_test], y[: self.n_test])
        self.true_log_likelihood = float(self.true_transition[test.x, test.y].log().mean())
        return Split(x[self.n_test :], y[self.n_test :]), test

    @property
    def output_size(self) -> int:
        return self.n_states  # the vocabulary, even if a state never occurs in a small sample

    def describe(self) -> dict:
        return {
            **super().describe(),
            "n_states": self.n_states,
            "baseline/test_true_ll": self.true_log_likelihood,
        }

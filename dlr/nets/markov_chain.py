"""First-order Markov chain over ``output_size`` states: transition counts with additive smoothing.

The counts are the whole learned state, kept as a parameter (learned, though never by gradient) so they
are saved in checkpoints and counted in ``params/trainable``. ``forward`` gives next-state log-probabilities
at every position of a sequence of state ids; ``sample`` runs the chain.
"""

import torch
from torch import nn

from dlr.errors import require


class MarkovChain(nn.Module):
    data_kinds = ("tokens",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        smoothing: float = 0.1,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        require(smoothing >= 0, "model.net.smoothing", f"must be >= 0, got {smoothing}")
        self.smoothing = smoothing
        self.counts = nn.Parameter(torch.zeros(output_size, output_size))

    @property
    def n_states(self) -> int:
        return len(self.counts)

    @torch.no_grad()
    def reset(self) -> None:
        self.counts.zero_()

    @torch.no_grad()
    def count(self, states: torch.Tensor, next_states: torch.Tensor) -> None:
        """Add the transitions ``states[i, t] -> next_states[i, t]`` to the counts."""
        pairs = states.reshape(-1) * self.n_states + next_states.reshape(-1)
        self.counts += (
            torch.bincount(pairs, minlength=self.n_states**2).view_as(self.counts).to(self.counts.dtype)
        )

    def log_transition(self) -> torch.Tensor:
        """Row-normalised log transition matrix; an unseen state without smoothing gets uniform."""
        smoothed = self.counts + self.smoothing
        smoothed = torch.where(smoothed.sum(1, keepdim=True) > 0, smoothed, torch.ones_like(smoothed))
        return (smoothed / smoothed.sum(1, keepdim=True)).log()

    def log_unigram(self) -> torch.Tensor:
        """Log frequencies of the states as transition targets (the memoryless baseline), same smoothing."""
        smoothed = self.counts.sum(0) + self.smoothing
        return (smoothed / smoothed.sum().clamp_min(1e-12)).log()

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """``(batch, time)`` state ids -> ``(batch, time, n_states)`` next-state log-probabilities."""
        return self.log_transition()[states]

    @torch.no_grad()
    def sample(self, n_sequences: int, length: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n_sequences, length)`` state ids, the first drawn from the unigram distribution.

        Sampled on the generator's device (the CPU by default), so one seed gives the same sequences
        wherever the chain was fitted.
        """
        device = generator.device if generator is not None else torch.device("cpu")
        transition = self.log_transition().exp().to(device)
        states = torch.empty(n_sequences, length, dtype=torch.long, device=device)
        states[:, 0] = torch.multinomial(
            self.log_unigram().exp().to(device), n_sequences, replacement=True, generator=generator
        )
        for t in range(1, length):
            states[:, t] = torch.multinomial(transition[states[:, t - 1]], 1, generator=generator).squeeze(1)
        return states

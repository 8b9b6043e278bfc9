"""Generated algorithmic tasks for memory-augmented nets: copy and associative recall (Graves et al. 2014).

Inputs are random binary vectors plus delimiter channels. Targets hold the bits the net must emit at each
step and ``IGNORED`` (-1) at steps that are not scored. Every sequence is zero-padded (targets ``IGNORED``)
to the length of the longest test sequence, so batches slice from one tensor. The test split holds
``num_test`` sequences at training lengths and ``num_test`` longer ones, to measure generalisation.
"""

import torch

from dlr.data.base import Split, TensorDataModule
from dlr.errors import require

IGNORED = -1.0
SEQUENCE_TO_SEQUENCE = "sequence_to_sequence"


class MemoryTaskDataModule(TensorDataModule):
    data_kind = SEQUENCE_TO_SEQUENCE
    #: Delimiter channels that follow the ``bits`` data channels of the input.
    delimiter_channels = 1
    #: The smallest meaningful length (copy: 1 vector, recall: 2 items).
    shortest = 1

    def __init__(
        self,
        bits: int = 8,
        min_len: int = 1,
        max_len: int = 10,
        test_min_len: int | None = None,
        test_max_len: int | None = None,
        num_samples: int = 4096,
        num_test: int = 256,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        test_min_len = max_len + 1 if test_min_len is None else test_min_len
        test_max_len = 2 * max_len if test_max_len is None else test_max_len
        require(bits >= 1, "data.bits", f"must be >= 1, got {bits}")
        require(min_len >= self.shortest, "data.min_len", f"must be >= {self.shortest}, got {min_len}")
        require(max_len >= min_len, "data.max_len", f"must be >= data.min_len ({min_len}), got {max_len}")
        require(
            test_min_len > max_len,
            "data.test_min_len",
            f"must be > data.max_len ({max_len}) to test longer sequences, got {test_min_len}",
        )
        require(
            test_max_len >= test_min_len,
            "data.test_max_len",
            f"must be >= data.test_min_len ({test_min_len}), got {test_max_len}",
        )
        require(
            num_samples >= 2 and num_test >= 1,
            "data.num_samples",
            f"needs num_samples >= 2 and num_test >= 1, got {num_samples}, {num_test}",
        )
        self.bits, self.min_len, self.max_len = bits, min_len, max_len
        self.test_min_len, self.test_max_len = test_min_len, test_max_len
        self.num_samples, self.num_test, self.dataset_seed = num_samples, num_test, dataset_seed

    # -- one task's layout ---------------------------------------------------------------------------
    def steps(self, length: int) -> int:
        """Time steps of an example of ``length`` (input, delimiters and output phase)."""
        raise NotImplementedError

    def example(self, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """One unpadded example: input (steps, bits + delimiter_channels), target (steps, bits)."""
        raise NotImplementedError

    # -- shared generation ---------------------------------------------------------------------------
    def examples(
        self, n: int, min_len: int, max_len: int, generator: torch.Generator, total_steps: int | None = None
    ) -> Split:
        """``n`` examples with lengths uniform in [min_len, max_len], padded to ``total_steps``."""
        total_steps = total_steps or self.steps(max_len)
        x = torch.zeros(n, total_steps, self.bits + self.delimiter_channels)
        y = torch.full((n, total_steps, self.bits), IGNORED)
        for i, length in enumerate(torch.randint(min_len, max_len + 1, (n,), generator=generator).tolist()):
            inputs, targets = self.example(length, generator)
            x[i, : len(inputs)], y[i, : len(targets)] = inputs, targets
        return Split(x, y)

    def random_bits(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        return torch.randint(0, 2, (*shape, self.bits), generator=generator).float()

    def load(self) -> tuple[Split, Split]:
        generator = torch.Generator().manual_seed(self.dataset_seed)
        total = self.steps(self.test_max_len)
        train = self.examples(self.num_samples, self.min_len, self.max_len, generator, total)
        regular = self.examples(self.num_test, self.min_len, self.max_len, generator, total)
        longer = self.examples(self.num_test, self.test_min_len, self.test_max_len, generator, total)
        return train, Split(torch.cat([regular.x, longer.x]), torch.cat([regular.y, longer.y]))

    @property
    def task_type(self) -> str:
        return SEQUENCE_TO_SEQUENCE

    @property
    def output_size(self) -> int:
        return self.bits

    def describe(self) -> dict:
        # A test sequence longer than ``max_train_steps`` counts towards ``test/bit_error_long``.
        lengths = {
            "min_len": self.min_len,
            "max_len": self.max_len,
            "test_min_len": self.test_min_len,
            "test_max_len": self.test_max_len,
        }
        return {
            **super().describe(),
            **lengths,
            "bits": self.bits,
            "max_train_steps": self.steps(self.max_len),
        }


class CopyDataModule(MemoryTaskDataModule):
    """Read ``length`` bit vectors, then a delimiter; then write them back in order."""

    def steps(self, length: int) -> int:
        return 2 * length + 1

    def example(self, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        sequence = self.random_bits((length,), generator)
        inputs = torch.zeros(self.steps(length), self.bits + 1)
        inputs[:length, : self.bits] = sequence
        inputs[length, self.bits] = 1.0
        targets = torch.full((self.steps(length), self.bits), IGNORED)
        targets[length + 1 :] = sequence
        return inputs, targets


class AssociativeRecallDataModule(MemoryTaskDataModule):
    """Read ``length`` items of ``item_len`` vectors, each after an item delimiter; then a query item between
    two query delimiters; then write the item that followed the query in the list."""

    delimiter_channels = 2
    shortest = 2

    def __init__(self, item_len: int = 3, min_len: int = 2, **kwargs):
        require(item_len >= 1, "data.item_len", f"must be >= 1, got {item_len}")
        self.item_len = item_len
        super().__init__(min_len=min_len, **kwargs)

    def steps(self, length: int) -> int:
        return length * (self.item_len + 1) + 2 * self.item_len + 2

    def _delimited(self, items: torch.Tensor, channel: int) -> torch.Tensor:
        """Each item (n, item_len, bits) preceded by a step with only delimiter ``channel`` set."""
        marker = torch.zeros(len(items), 1, self.bits + 2)
        marker[..., self.bits + channel] = 1.0
        padded = torch.cat([items, torch.zeros(*items.shape[:2], 2)], dim=-1)
        return torch.cat([marker, padded], dim=1).flatten(0, 1)

    def example(self, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        items = self.random_bits((length, self.item_len), generator)
        query = int(torch.randint(0, length - 1, (1,), generator=generator))
        inputs = torch.zeros(self.steps(length), self.bits + 2)
        listed = self._delimited(items, channel=0)
        queried = self._delimited(items[query : query + 1], channel=1)
        inputs[: len(listed)] = listed
        inputs[len(listed) : len(listed) + len(queried)] = queried
        inputs[len(listed) + len(queried), self.bits + 1] = 1.0  # the closing query delimiter
        targets = torch.full((self.steps(length), self.bits), IGNORED)
        targets[-self.item_len :] = items[query + 1]
        return inputs, targets

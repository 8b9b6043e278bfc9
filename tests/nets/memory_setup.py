"""Shared set-up of the memory-augmented net tests: a tiny copy task and single-threaded torch."""

import pytest
import torch

from tests.conftest import FAST

# 4-bit vectors, 1-3 per sequence (7 steps), longer test sequences of 4-5; 8 slots of 8-wide words.
TINY_COPY = [
    "data=copy",
    "data.bits=4",
    "data.max_len=3",
    "data.test_max_len=5",
    "data.num_samples=1024",
    "data.num_test=128",
    "width=8",
    "model.net.word_size=8",
    "model.net.controller_size=32",
    "optimizer.lr=0.01",
    "optimizer.weight_decay=0",
    *[option for option in FAST if not option.startswith("trainer.max_epochs")],
]


@pytest.fixture
def one_thread():
    """These nets run many tiny ops per step; a second thread only adds sync cost (often 5x on a busy CPU)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

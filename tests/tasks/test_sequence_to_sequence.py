"""The bit error of the sequence-to-sequence task counts scored steps only, per sequence."""

import torch

from dlr.tasks.sequence_to_sequence import bit_errors


def test_bit_error_is_the_fraction_of_wrong_scored_bits_of_each_sequence():
    targets = torch.tensor([[[-1.0, -1.0], [1.0, 0.0], [0.0, 0.0]], [[-1.0, -1.0], [1.0, 1.0], [-1.0, -1.0]]])
    logits = torch.tensor([[[5.0, 5.0], [2.0, 3.0], [-1.0, -1.0]], [[-5.0, -5.0], [-2.0, -3.0], [9.0, 9.0]]])
    # Sequence 0: 1 wrong of 4 scored bits; sequence 1: both scored bits wrong; unscored steps never count.
    assert torch.allclose(bit_errors(logits, targets), torch.tensor([0.25, 1.0]))

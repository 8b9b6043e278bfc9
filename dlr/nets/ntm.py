"""Neural Turing Machine (Graves, Wayne & Danihelka 2014): a controller with read heads and one write head.

Every head addresses memory by content (cosine similarity sharpened by a key strength), then by location:
an interpolation gate against its previous weighting, a circular shift, and sharpening. Head 0 writes
(erase, then add); the others read. ``width`` is the number of memory slots.
"""

import torch

from dlr.errors import require
from dlr.nets import memory_addressing as addressing
from dlr.nets.memory_controller import MemoryNet, oneplus

# Memory starts as a small constant: every slot looks alike, so the first focus comes from location.
INITIAL_MEMORY = 1e-6


class NTM(MemoryNet):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        shift_range: int = 1,
        *,
        data_info: dict | None = None,
        **memory_options,
    ):
        """``memory_options``: those of :class:`MemoryNet` (word size, read heads, controller)."""
        require(
            0 <= shift_range < width, "model.net.shift_range", f"must be in [0, width), got {shift_range}"
        )
        super().__init__(input_shape, output_size, width, shift_range=shift_range, **memory_options)
        self.heads = self.read_heads + 1  # head 0 writes

    def interface_layout(self, shift_range: int) -> dict[str, int]:
        heads, word = self.read_heads + 1, self.word_size
        return {
            "keys": heads * word,
            "strengths": heads,
            "gates": heads,
            "shifts": heads * (2 * shift_range + 1),
            "gammas": heads,
            "erase": word,
            "add": word,
        }

    def initial_state(self, batch: int, like: torch.Tensor) -> dict[str, torch.Tensor]:
        weights = like.new_zeros(batch, self.heads, self.slots)
        weights[..., 0] = 1.0  # every head starts focused on slot 0
        return {
            "memory": like.new_full((batch, self.slots, self.word_size), INITIAL_MEMORY),
            "weights": weights,
        }

    def memory_step(
        self, interface: dict[str, torch.Tensor], state: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, dict]:
        batch = interface["keys"].shape[0]
        content = addressing.content_weights(
            state["memory"],
            torch.tanh(interface["keys"]).view(batch, self.heads, -1),
            oneplus(interface["strengths"]),
        )
        gated = addressing.interpolate(content, state["weights"], torch.sigmoid(interface["gates"]))
        shifted = addressing.circular_shift(
            gated, torch.softmax(interface["shifts"].view(batch, self.heads, -1), dim=-1)
        )
        weights = addressing.sharpen(shifted, oneplus(interface["gammas"]))
        # Write first, so a value written this step can be read in the same step.
        erase = torch.sigmoid(interface["erase"]).unsqueeze(1)
        memory = addressing.erase_and_add(
            state["memory"], weights[:, :1], erase, torch.tanh(interface["add"]).unsqueeze(1)
        )
        reads = addressing.read(memory, weights[:, 1:]).flatten(1)
        return reads, {"memory": memory, "weights": weights}

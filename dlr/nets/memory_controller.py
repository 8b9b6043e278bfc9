"""The recurrent loop shared by memory-augmented nets (NTM, DNC).

At every step a controller reads the input and the previous step's reads and emits an interface vector;
the memory, driven by that vector, returns new reads; the output is a linear readout of the controller
state and the reads. Subclasses say what the interface means and how the memory answers.
"""

import torch
from torch import nn

from dlr.errors import require

CONTROLLERS = ("lstm", "feedforward")


def split_interface(vector: torch.Tensor, sizes: dict[str, int]) -> dict[str, torch.Tensor]:
    """Cut the controller's interface vector (B, sum(sizes)) into named parts."""
    return dict(zip(sizes, torch.split(vector, list(sizes.values()), dim=-1), strict=True))


def oneplus(x: torch.Tensor) -> torch.Tensor:
    """Strengths and sharpening exponents live in [1, inf)."""
    return 1 + nn.functional.softplus(x)


class MemoryNet(nn.Module):
    """``width`` memory slots of ``word_size`` numbers; ``layout`` holds a subclass's own interface options."""

    data_kinds = ("sequence_to_sequence",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        width: int = 100,
        word_size: int = 16,
        read_heads: int = 1,
        controller: str = "lstm",
        controller_size: int = 64,
        *,
        data_info: dict | None = None,
        **layout,
    ):
        super().__init__()
        require(width >= 2, "width", f"must be >= 2 (memory slots), got {width}")
        require(word_size >= 1, "model.net.word_size", f"must be >= 1, got {word_size}")
        require(read_heads >= 1, "model.net.read_heads", f"must be >= 1, got {read_heads}")
        require(
            controller in CONTROLLERS,
            "model.net.controller",
            f"must be one of {', '.join(CONTROLLERS)}, got {controller!r}",
        )
        require(controller_size >= 1, "model.net.controller_size", f"must be >= 1, got {controller_size}")
        self.slots, self.word_size, self.read_heads = width, word_size, read_heads
        self.read_size = read_heads * word_size
        self.interface_sizes = self.interface_layout(**layout)
        features = input_shape[-1] + self.read_size
        if controller == "lstm":
            self.controller = nn.LSTMCell(features, controller_size)
        else:
            self.controller = nn.Sequential(nn.Linear(features, controller_size), nn.Tanh())
        self.interface = nn.Linear(controller_size, sum(self.interface_sizes.values()))
        self.readout = nn.Linear(controller_size + self.read_size, output_size)

    def interface_layout(self, **layout) -> dict[str, int]:
        """Names and sizes of the interface vector's parts; ``layout`` holds the subclass's own options."""
        raise NotImplementedError

    def initial_state(self, batch: int, like: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def memory_step(
        self, interface: dict[str, torch.Tensor], state: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, dict]:
        """Apply one step's interface to the memory; return the reads (B, read_size) and the new state."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, features) -> (B, T, output_size) logits, one per step."""
        batch = x.shape[0]
        state = self.initial_state(batch, x)
        reads = x.new_zeros(batch, self.read_size)
        hidden = None
        outputs = []
        for step in x.unbind(1):
            controller_input = torch.cat([step, reads], dim=-1)
            if isinstance(self.controller, nn.LSTMCell):
                hidden = self.controller(controller_input, hidden)
                features = hidden[0]
            else:
                features = self.controller(controller_input)
            reads, state = self.memory_step(
                split_interface(self.interface(features), self.interface_sizes), state
            )
            outputs.append(self.readout(torch.cat([features, reads], dim=-1)))
        return torch.stack(outputs, dim=1)

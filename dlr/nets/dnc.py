"""Differentiable Neural Computer (Graves et al. 2016): content lookup, dynamic allocation and temporal links.

One write head picks, through an allocation gate, between content lookup and the least used slots (usage
falls when read heads free what they read). A link matrix records the order of writes, so each read head
mixes three modes: backward along the links, content lookup, forward along the links. ``width`` is the
number of memory slots.
"""

import torch

from dlr.nets import memory_addressing as addressing
from dlr.nets.memory_controller import MemoryNet, oneplus


class DNC(MemoryNet):
    def interface_layout(self) -> dict[str, int]:
        reads, word = self.read_heads, self.word_size
        return {
            "read_keys": reads * word,
            "read_strengths": reads,
            "write_key": word,
            "write_strength": 1,
            "erase": word,
            "write_vector": word,
            "free_gates": reads,
            "allocation_gate": 1,
            "write_gate": 1,
            "read_modes": 3 * reads,
        }

    def initial_state(self, batch: int, like: torch.Tensor) -> dict[str, torch.Tensor]:
        slots = self.slots
        return {
            "memory": like.new_zeros(batch, slots, self.word_size),
            "usage": like.new_zeros(batch, slots),
            "links": like.new_zeros(batch, slots, slots),
            "precedence": like.new_zeros(batch, slots),
            "write_weights": like.new_zeros(batch, slots),
            "read_weights": like.new_zeros(batch, self.read_heads, slots),
        }

    def memory_step(
        self, interface: dict[str, torch.Tensor], state: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, dict]:
        batch = interface["write_key"].shape[0]
        usage = addressing.update_usage(
            state["usage"],
            state["write_weights"],
            torch.sigmoid(interface["free_gates"]),
            state["read_weights"],
        )
        write_key = torch.tanh(interface["write_key"]).unsqueeze(1)
        write_content = addressing.content_weights(
            state["memory"], write_key, oneplus(interface["write_strength"])
        ).squeeze(1)
        allocation_gate, write_gate = (
            torch.sigmoid(interface["allocation_gate"]),
            torch.sigmoid(interface["write_gate"]),
        )
        write_weights = write_gate * (
            allocation_gate * addressing.allocation_weights(usage) + (1 - allocation_gate) * write_content
        )
        memory = addressing.erase_and_add(
            state["memory"],
            write_weights.unsqueeze(1),
            torch.sigmoid(interface["erase"]).unsqueeze(1),
            torch.tanh(interface["write_vector"]).unsqueeze(1),
        )
        links, precedence = addressing.update_links(state["links"], state["precedence"], write_weights)

        read_keys = torch.tanh(interface["read_keys"]).view(batch, self.read_heads, -1)
        read_content = addressing.content_weights(memory, read_keys, oneplus(interface["read_strengths"]))
        forward, backward = addressing.follow_links(links, state["read_weights"])
        modes = torch.softmax(interface["read_modes"].view(batch, self.read_heads, 3), dim=-1).unsqueeze(-1)
        read_weights = modes[:, :, 0] * backward + modes[:, :, 1] * read_content + modes[:, :, 2] * forward
        reads = addressing.read(memory, read_weights).flatten(1)
        new_state = {
            "memory": memory,
            "usage": usage,
            "links": links,
            "precedence": precedence,
            "write_weights": write_weights,
            "read_weights": read_weights,
        }
        return reads, new_state

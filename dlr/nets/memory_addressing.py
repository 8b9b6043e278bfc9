"""Differentiable memory addressing shared by the Neural Turing Machine and the Differentiable Neural
Computer.

Shapes are batch-first: memory ``(B, slots, word)``, head weightings ``(B, heads, slots)``. Content lookup,
reading and erase/add writing are common to both nets; interpolation, shifting and sharpening are the NTM's
location addressing; usage, allocation and the temporal link matrix are the DNC's (Graves et al. 2014, 2016).
"""

import torch
import torch.nn.functional as F

# Keeps norms, powers and products away from exact zeros, where their gradients are undefined.
EPS = 1e-6


def content_weights(memory: torch.Tensor, keys: torch.Tensor, strengths: torch.Tensor) -> torch.Tensor:
    """Softmax over slots of ``strength * cosine(key, slot)``: (B,S,W), (B,H,W), (B,H) -> (B,H,S)."""
    unit_memory = memory / (memory.norm(dim=-1, keepdim=True) + EPS)
    unit_keys = keys / (keys.norm(dim=-1, keepdim=True) + EPS)
    similarity = unit_keys @ unit_memory.transpose(1, 2)
    return torch.softmax(strengths.unsqueeze(-1) * similarity, dim=-1)


def read(memory: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Weighted sums of slots, one per head: (B,S,W), (B,H,S) -> (B,H,W)."""
    return weights @ memory


def erase_and_add(
    memory: torch.Tensor, weights: torch.Tensor, erase: torch.Tensor, add: torch.Tensor
) -> torch.Tensor:
    """Each write head erases ``erase`` then adds ``add`` where it points.

    Shapes: memory (B,S,W), weights (B,H,S), erase and add (B,H,W).
    """
    keep = torch.prod(1 - weights.unsqueeze(-1) * erase.unsqueeze(2), dim=1)
    return memory * keep + weights.transpose(1, 2) @ add


# -- NTM location addressing -------------------------------------------------------------------------------
def interpolate(content: torch.Tensor, previous: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    """Gate (B,H) 1 takes the content weighting, 0 keeps the previous step's (so a head can iterate)."""
    return torch.lerp(previous, content, gate.unsqueeze(-1))


def circular_shift(weights: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Circular convolution with a distribution ``shift`` (B,H,K) over offsets -K//2..K//2 slots.

    Offset +1 moves the focus one slot forward. One grouped convolution does every head of the batch.
    """
    radius = shift.shape[-1] // 2
    batch, heads, slots = weights.shape
    wrapped = F.pad(weights.reshape(1, batch * heads, slots), (radius, radius), mode="circular")
    # conv1d correlates; flipping the kernel turns it into the convolution sum_o shift[o] * w[i - o].
    kernel = shift.flip(-1).reshape(batch * heads, 1, -1)
    return F.conv1d(wrapped, kernel, groups=batch * heads).view(batch, heads, slots)


def sharpen(weights: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """w^gamma / sum(w^gamma) with gamma (B,H) >= 1, undoing the blur that shifting adds; computed as a
    softmax of gamma * log w, which cannot overflow."""
    return torch.softmax(gamma.unsqueeze(-1) * torch.log(weights + EPS), dim=-1)


# -- DNC dynamic allocation and temporal links ------------------------------------------------------------
def update_usage(
    usage: torch.Tensor, write_weights: torch.Tensor, free_gates: torch.Tensor, read_weights: torch.Tensor
) -> torch.Tensor:
    """Usage (B,S) rises where the last write went, falls where read heads with open free gates (B,R) read."""
    retention = torch.prod(1 - free_gates.unsqueeze(-1) * read_weights, dim=1)
    return (usage + write_weights - usage * write_weights) * retention


def allocation_weights(usage: torch.Tensor) -> torch.Tensor:
    """Weighting (B,S) onto the least used slots; sorted by usage, slot j gets (1-u_j) * prod(u before j)."""
    usage = EPS + (1 - EPS) * usage
    sorted_usage, order = torch.sort(usage, dim=-1)
    used_before = torch.cumprod(
        torch.cat([torch.ones_like(sorted_usage[:, :1]), sorted_usage[:, :-1]], dim=-1), dim=-1
    )
    return torch.zeros_like(usage).scatter(-1, order, (1 - sorted_usage) * used_before)


def update_links(
    links: torch.Tensor, precedence: torch.Tensor, write_weights: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``links[i, j]``: how much slot i was written right after slot j; ``precedence``: the last writes."""
    written_to, written_from = write_weights.unsqueeze(2), write_weights.unsqueeze(1)
    links = (1 - written_to - written_from) * links + written_to * precedence.unsqueeze(1)
    links = links * (1 - torch.eye(links.shape[-1], device=links.device, dtype=links.dtype))
    precedence = (1 - write_weights.sum(-1, keepdim=True)) * precedence + write_weights
    return links, precedence


def follow_links(links: torch.Tensor, read_weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward (written next) and backward (written before) weightings of each read head: (B,R,S) each."""
    return read_weights @ links.transpose(1, 2), read_weights @ links

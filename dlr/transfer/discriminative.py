"""Discriminative learning rates: one learning-rate multiplier per block, smaller towards the input."""

from torch import nn

from dlr.errors import require
from dlr.transfer.blocks import transfer_blocks


def lr_multipliers(
    net: nn.Module, decay: float = 0.5, multipliers: list[float] | None = None
) -> dict[str, float]:
    """Parameter name -> multiplier of the optimizer's lr. The head gets 1, each block below it ``decay`` times
    the block above; or ``multipliers`` gives one value per block, input side first."""
    blocks = transfer_blocks(net)
    if multipliers is None:
        require(0.0 < decay <= 1.0, "transfer.discriminative_lr.decay", f"must be in (0, 1], got {decay}")
        multipliers = [decay ** (len(blocks) - 1 - i) for i in range(len(blocks))]
    names = ", ".join(b.name for b in blocks)
    require(
        len(multipliers) == len(blocks),
        "transfer.discriminative_lr.multipliers",
        f"needs one value per block, {len(blocks)} here ({names}); got {len(multipliers)}",
    )
    require(
        all(m >= 0 for m in multipliers),
        "transfer.discriminative_lr.multipliers",
        f"must be >= 0, got {multipliers}",
    )
    return {param: float(m) for block, m in zip(blocks, multipliers, strict=True) for param in block.params}

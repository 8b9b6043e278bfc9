"""A net as an ordered list of blocks, input side first, the head last: the unit of freezing and LR decay.

No dlr net has to declare its blocks. They are found from the module structure:

1. a timm model says it itself (``group_matcher``: stem, stages or blocks, head);
2. a net with a stack of repeated layers (a Transformer's ``encoder.layer``) gives one block per layer,
   plus one block for everything before the stack (embeddings) and one for everything after (the head);
3. any other net gives one block per weighted layer (Linear, Conv, ...), together with the normalisation
   layers that follow it: an MLP's hidden layers and output layer, a CNN's conv+BatchNorm stages and head.
"""

from dataclasses import dataclass

from torch import nn

NORM_TYPES = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)


@dataclass
class Block:
    name: str
    params: list[str]  # parameter names, as in ``net.named_parameters()``


def transfer_blocks(net: nn.Module) -> list[Block]:
    return _timm_blocks(net) or _stack_blocks(net) or _layer_blocks(net)


def _timm_blocks(net: nn.Module) -> list[Block]:
    for prefix, module in net.named_modules():
        if type(module).__module__.startswith("timm.") and hasattr(module, "group_matcher"):
            from timm.models import group_parameters

            groups = group_parameters(module, module.group_matcher(coarse=True))
            dot = f"{prefix}." if prefix else ""
            return [
                Block(f"{dot}group{gid}", [dot + name for name in names])
                for gid, names in sorted(groups.items())
            ]
    return []


def _has_params(module: nn.Module) -> bool:
    return next(module.parameters(), None) is not None


def _composite(module: nn.Module) -> bool:
    """A block built of several weighted layers (a Transformer layer), not one layer such as a Linear."""
    return any(_has_params(child) for child in module.children())


def _stack_blocks(net: nn.Module) -> list[Block]:
    stacks = [
        (name, module)
        for name, module in net.named_modules()
        if isinstance(module, nn.ModuleList | nn.Sequential)
        and sum(_composite(child) for child in module.children()) >= 2
    ]
    if not stacks:
        return []
    stack_name, stack = max(stacks, key=lambda item: sum(p.numel() for p in item[1].parameters()))
    names = [name for name, _ in net.named_parameters()]
    layers = [
        Block(
            f"{stack_name}.{child_name}",
            [f"{stack_name}.{child_name}.{p}" for p, _ in child.named_parameters()],
        )
        for child_name, child in stack.named_children()
        if _has_params(child)
    ]
    inside = {name for layer in layers for name in layer.params}
    first = min(names.index(layer.params[0]) for layer in layers)
    before = [n for n in names[:first] if n not in inside]
    after = [n for n in names[first:] if n not in inside]
    ends = [Block(f"before {stack_name}", before)] if before else []
    return ends + layers + ([Block(f"after {stack_name}", after)] if after else [])


def _layer_blocks(net: nn.Module) -> list[Block]:
    blocks: list[Block] = []
    for name, module in net.named_modules():
        own = [f"{name}.{p}" if name else p for p, _ in module.named_parameters(recurse=False)]
        if not own:
            continue
        if isinstance(module, NORM_TYPES) and blocks:
            blocks[-1].params.extend(own)  # a norm belongs to the layer it normalises
        else:
            blocks.append(Block(name or "(root)", own))
    return blocks


def head_params(net: nn.Module) -> list[str]:
    """The parameters of the output block (re-initialised when the class count changes)."""
    blocks = transfer_blocks(net)
    return blocks[-1].params if blocks else []

"""Small building blocks shared by several nets."""

from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
    "elu": nn.ELU,
}


def activation(name: str) -> nn.Module:
    from dlr.errors import require

    require(
        name in ACTIVATIONS, "model.net.activation", f"must be one of {', '.join(ACTIVATIONS)}, got {name!r}"
    )
    return ACTIVATIONS[name]()

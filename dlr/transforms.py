"""What a transform of the built net (transfer, quantization) hands to the rest of the run.

A run builds its net, passes it through ``transfer`` and then ``quantization``, and only then wraps the
result in its task, once: so a transform returns everything the task, the trainer and the optimizer need
instead of changing a task after the fact.
"""

from dataclasses import dataclass, field

import pytorch_lightning as pl
from torch import nn

#: A task holds its net as ``task.net``: the net's names (parameters, modules, state-dict keys) seen from the
#: task, as in a dlr checkpoint's ``state_dict``, start with this.
TASK_NET_PREFIX = "net."


@dataclass
class NetTransform:
    net: nn.Module
    callbacks: list[pl.Callback] = field(default_factory=list)
    #: Trainer arguments the transform decides (a precision plugin, say; none of the shipped ones needs any).
    trainer_kwargs: dict = field(default_factory=dict)
    #: Learning-rate multipliers by the net's parameter names (discriminative learning rates).
    lr_multipliers: dict[str, float] = field(default_factory=dict)
    #: Frozen parameters join the optimizer anyway, so that a callback can unfreeze them later.
    optimize_frozen: bool = False

    def then(self, later: "NetTransform") -> "NetTransform":
        """This transform followed by ``later``, which was applied to this one's net."""
        return NetTransform(
            net=later.net,
            callbacks=[*self.callbacks, *later.callbacks],
            trainer_kwargs={**self.trainer_kwargs, **later.trainer_kwargs},
            lr_multipliers={**self.lr_multipliers, **later.lr_multipliers},
            optimize_frozen=self.optimize_frozen or later.optimize_frozen,
        )

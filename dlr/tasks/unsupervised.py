"""The base of tasks that learn from the inputs alone (reconstruction, variational, adversarial, generation).

Each subclass names the quantities it tracks. A step only adds its detached values to running sums (a
torchmetrics update per step would cost as much as a small model's step); at the epoch's end each average
goes through one torchmetrics ``MeanMetric``, which syncs it across DDP ranks, and is logged once as
``<stage>/<name>``. Pictures of what the model generates go to the run directory as PNG.
"""

from pathlib import Path

import torch
from torch import nn
from torchmetrics import MeanMetric

from dlr.tasks.base import Task
from dlr.tasks.pictures import save_samples

STAGES = ("train", "val", "test")


class UnsupervisedTask(Task):
    def __init__(self, *args, metric_names: tuple[str, ...] = ("loss",), **kwargs):
        super().__init__(*args, **kwargs)
        self.input_shape = tuple(self.data_info.get("input_shape", ()))
        # ModuleDict keys may not shadow nn.Module attributes such as `train`, hence the suffix.
        self.means = nn.ModuleDict(
            {f"{stage}_": nn.ModuleDict({name: MeanMetric() for name in metric_names}) for stage in STAGES}
        )
        self.sums: dict[str, dict[str, list]] = {stage: {} for stage in STAGES}

    def track(self, stage: str, weight: int, **values: torch.Tensor) -> None:
        """Add this batch's values (means over ``weight`` samples) to the epoch averages."""
        for name, value in values.items():
            total = self.sums[stage].setdefault(name, [0.0, 0])
            total[0] = total[0] + torch.as_tensor(value).detach() * weight
            total[1] += weight

    def log_epoch(self, stage: str) -> None:
        means = self.means[f"{stage}_"]
        for name, (total, weight) in self.sums[stage].items():
            means[name].update(total / weight, weight=weight)
        self.log_dict({f"{stage}/{name}": means[name].compute() for name in self.sums[stage]})
        for metric in means.values():
            metric.reset()
        self.sums[stage] = {}

    def save_picture(
        self, name: str, samples: torch.Tensor, nrow: int = 8, row_labels: list[str] | None = None
    ) -> None:
        """``<run dir>/<name>.png``, written by global rank 0 only; ``row_labels`` name the grid's rows."""
        if self.trainer.is_global_zero:
            path = Path(self.trainer.default_root_dir) / f"{name}.png"
            save_samples(samples, path, nrow=nrow, row_labels=row_labels)

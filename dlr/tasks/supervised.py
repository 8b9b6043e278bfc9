"""Supervised learning: classification (cross-entropy, or MSE on one-hot targets) and regression (MSE)."""

import torch
import torch.nn.functional as F
from torchmetrics import MeanAbsoluteError, MetricCollection, R2Score
from torchmetrics.classification import MulticlassAccuracy

from dlr.errors import require
from dlr.tasks.base import Task
from dlr.tasks.epoch_metrics import EpochMetrics

LOSSES = ("auto", "cross_entropy", "mse")
STAGES = ("train", "val", "test")


class SupervisedTask(Task):
    def __init__(self, *args, loss: str = "auto", **kwargs):
        super().__init__(*args, **kwargs)
        require(loss in LOSSES, "model.task.loss", f"must be one of {', '.join(LOSSES)}, got {loss!r}")
        self.classification = self.data_info.get("task_type", "classification") == "classification"
        require(
            self.classification or loss in ("auto", "mse"),
            "model.task.loss",
            "regression data needs loss=mse (or auto)",
        )
        self.loss_name = ("cross_entropy" if self.classification else "mse") if loss == "auto" else loss
        self.output_size = self.data_info.get("output_size", 1)
        # ModuleDict keys may not shadow nn.Module attributes such as `train`, hence the suffix.
        self.epoch_metrics = torch.nn.ModuleDict(
            {f"{stage}_": EpochMetrics(self._metrics(), self.predictions) for stage in STAGES}
        )

    @classmethod
    def takes_batch_groups(cls) -> bool:
        return cls.training_step is SupervisedTask.training_step

    def _metrics(self) -> MetricCollection:
        if self.classification:
            return MetricCollection({"acc": MulticlassAccuracy(self.output_size, average="micro")})
        return MetricCollection({"mae": MeanAbsoluteError(), "r2": R2Score()})

    def predictions(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return outputs.argmax(-1) if self.classification else outputs.view_as(y).float()

    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.loss_name == "cross_entropy":
            return F.cross_entropy(outputs, y)
        if not self.classification:
            target = y.view_as(outputs).to(outputs.dtype)
        else:  # class ids, or class shares (augment=mixup)
            target = (
                y.to(outputs.dtype)
                if y.is_floating_point()
                else F.one_hot(y, self.output_size).to(outputs.dtype)
            )
        return F.mse_loss(outputs, target)

    def scored(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """The outputs and targets that the loss and the metrics compare."""
        x, y = batch
        return self.net(x), y

    def _step(self, batch, stage: str) -> torch.Tensor:
        outputs, y = self.scored(batch)
        loss = self.loss(outputs, y)
        # Class shares (augment=mixup) are scored against their largest class.
        scored_y = y.argmax(-1) if self.classification and y.is_floating_point() else y
        self.epoch_metrics[f"{stage}_"].add(loss, outputs, scored_y)
        return loss

    def training_step(self, batch, batch_idx):
        if self.automatic_optimization:
            return self._step(batch, "train")
        return self.optimizer_step_per_batch(batch, lambda single: self._step(single, "train"))

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")

    def log_epoch(self, stage: str) -> None:
        # torchmetrics syncs across DDP ranks in compute(), so no sync_dist here.
        self.log_dict(self.epoch_metrics[f"{stage}_"].compute(stage))

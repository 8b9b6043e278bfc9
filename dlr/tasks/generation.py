"""Class-conditional generation (deconv): from a one-hot label, generate the input it labels; trained on MSE.

The best any label-to-image map can do under MSE is each class's mean image, so ``recon_mse`` is bounded
below by the within-class spread. At test time ``class_match`` is the fraction of classes whose generated
image lies closer to its own class's mean test image than to any other class's, and the run directory
gets ``class_samples.png``: the generated image of every class above that class's mean test image.
"""

import torch
import torch.nn.functional as F

from dlr.errors import require
from dlr.tasks.stage_steps import StageSteps
from dlr.tasks.unsupervised import UnsupervisedTask


class ConditionalGenerationTask(StageSteps, UnsupervisedTask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, metric_names=("loss", "recon_mse", "class_match"), **kwargs)
        require(
            self.data_info.get("task_type") == "classification",
            "data",
            "deconv generates from class labels; pick classification data",
        )
        self.num_classes = int(self.data_info["output_size"])
        self.class_sums: torch.Tensor | None = None
        self.class_counts: torch.Tensor | None = None

    def generate(self, labels: torch.Tensor) -> torch.Tensor:
        return self.net(F.one_hot(labels, self.num_classes).float())

    def _step(self, batch, stage: str) -> torch.Tensor:
        x, y = batch
        loss = F.mse_loss(self.generate(y), x)
        self.track(stage, len(x), loss=loss, recon_mse=loss)
        return loss

    def on_test_epoch_start(self):
        self.class_sums = torch.zeros(self.num_classes, *self.input_shape, device=self.device)
        self.class_counts = torch.zeros(self.num_classes, device=self.device)

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.class_sums.index_add_(0, y, x)
        self.class_counts.index_add_(0, y, torch.ones_like(y, dtype=self.class_counts.dtype))
        self._step(batch, "test")

    def on_test_epoch_end(self):
        present = self.class_counts > 0
        labels = torch.arange(self.num_classes, device=self.device)[present]
        shape = (-1,) + (1,) * len(self.input_shape)
        means = self.class_sums[present] / self.class_counts[present].view(shape)
        with torch.no_grad():
            generated = self.generate(labels)
        nearest = torch.cdist(generated.flatten(1), means.flatten(1)).argmin(1)
        self.track(
            "test",
            len(labels),
            class_match=(nearest == torch.arange(len(labels), device=self.device)).float().mean(),
        )
        self.save_picture(
            "class_samples",
            torch.cat([generated, means]),
            nrow=len(labels),
            row_labels=["generated", "class mean"],
        )
        super().on_test_epoch_end()

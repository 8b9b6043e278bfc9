"""One computation behind Lightning's training, validation and test steps."""

import torch


class StageSteps:
    """Lightning's three steps as one ``_step(batch, stage)``, for a task that learns, validates and tests
    by the same computation; list it before the task's base so its steps win over LightningModule's."""

    def _step(self, batch, stage: str) -> torch.Tensor:
        raise NotImplementedError

    def training_step(self, batch, batch_idx):
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")

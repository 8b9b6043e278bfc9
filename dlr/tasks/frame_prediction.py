"""Next-frame prediction: MSE between predicted and true frames, against the copy-last-frame baseline.

Logs ``{stage}/frame_mse`` (equal to the loss) and ``{stage}/copy_last_mse``, the error of predicting that
nothing moves, so a glance shows whether the net learned motion. After testing it saves true and predicted
frames of a few test videos as a PNG strip (and optionally a GIF) in the run directory.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pytorch_lightning.utilities.rank_zero import rank_zero_only
from torchmetrics import MeanMetric

from dlr.tasks.base import Task
from dlr.tasks.pictures import save_samples
from dlr.tasks.stage_steps import StageSteps

STAGES = ("train", "val", "test")
MEASURES = ("frame_mse", "copy_last_mse")


class FramePredictionTask(StageSteps, Task):
    def __init__(self, *args, n_examples: int = 4, save_gif: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_examples, self.save_gif = n_examples, save_gif
        # ModuleDict keys may not shadow nn.Module attributes such as `train`, hence the `stage_measure` form.
        self.means = torch.nn.ModuleDict({f"{s}_{m}": MeanMetric() for s in STAGES for m in MEASURES})
        self.examples: tuple[torch.Tensor, torch.Tensor] | None = None

    def _step(self, batch, stage: str) -> torch.Tensor:
        x, y = batch
        predicted = self.net(x)
        loss = F.mse_loss(predicted, y)
        self.means[f"{stage}_frame_mse"].update(loss.detach(), weight=len(y))
        self.means[f"{stage}_copy_last_mse"].update(F.mse_loss(x, y), weight=len(y))
        if stage == "test" and self.examples is None:
            self.examples = (y[: self.n_examples].cpu(), predicted[: self.n_examples].detach().cpu())
        return loss

    def log_epoch(self, stage: str) -> None:
        values = {f"{stage}/{m}": self.means[f"{stage}_{m}"].compute() for m in MEASURES}
        self.log_dict({f"{stage}/loss": values[f"{stage}/frame_mse"], **values})
        for m in MEASURES:
            self.means[f"{stage}_{m}"].reset()

    def on_test_epoch_start(self):
        self.examples = None

    def on_test_epoch_end(self):
        super().on_test_epoch_end()
        if self.examples is not None and self.trainer.is_global_zero:
            save_frames(*self.examples, Path(self.trainer.default_root_dir), self.save_gif)


def save_frames(true: torch.Tensor, predicted: torch.Tensor, directory: Path, gif: bool = False) -> Path:
    """``frame_prediction.png``: per video, a row of true next frames above a row of predicted ones."""
    n_videos, n_frames = true.shape[:2]
    # Clamped so a slight overshoot of the predicted change does not rescale the whole grid's intensities.
    rows = torch.stack([true, predicted.clamp(0, 1)], dim=1).reshape(2 * n_videos * n_frames, *true.shape[2:])
    labels = ["true frames", "predicted"]
    path = save_samples(rows, directory / "frame_prediction.png", nrow=n_frames, row_labels=labels)
    if gif:
        save_gif(true[0], predicted[0], directory / "frame_prediction.gif")
    return path


@rank_zero_only
def save_gif(true: torch.Tensor, predicted: torch.Tensor, path: Path) -> None:
    """An animated GIF of one video: true frames on the left, predicted frames on the right, scaled up 4x."""
    from PIL import Image

    side_by_side = torch.cat([true, predicted], dim=-1)[:, 0].clamp(0, 1).cpu().numpy()
    frames = [Image.fromarray((np.kron(f, np.ones((4, 4))) * 255).astype(np.uint8)) for f in side_by_side]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200, loop=0)

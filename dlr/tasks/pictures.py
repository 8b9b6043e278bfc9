"""Saving generated tensors as PNG: images as a grid (torchvision), anything else as a grid of line plots."""

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from pytorch_lightning.utilities.rank_zero import rank_zero_only
from torchvision.utils import make_grid, save_image


@rank_zero_only  # under DDP every rank ends training; one writes the pictures
def save_samples(samples: torch.Tensor, path: str | Path, nrow: int = 8, upscale: int = 4) -> Path:
    """Write ``samples`` (batch, ...) to ``path``; (batch, C, H, W) with 1 or 3 channels are images."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = samples.detach().float().cpu()
    if samples.dim() == 4 and samples.shape[1] in (1, 3):
        # Nearest-neighbour upscaling keeps 8x8 digits legible; one min-max scale keeps them comparable.
        grid = make_grid(
            F.interpolate(samples, scale_factor=upscale, mode="nearest"), nrow=nrow, padding=2, normalize=True
        )
        save_image(grid, path)
        return path
    _save_line_plots(samples.flatten(1), path, nrow)
    return path


def _save_line_plots(rows: torch.Tensor, path: Path, ncols: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nrows = math.ceil(len(rows) / ncols)
    figure, axes = plt.subplots(
        nrows, ncols, figsize=(1.2 * ncols, 0.9 * nrows), sharex=True, sharey=True, squeeze=False
    )
    for index, axis in enumerate(axes.flat):
        if index < len(rows):
            axis.plot(rows[index].cpu().numpy(), linewidth=0.8)
        axis.set_axis_off()
    figure.tight_layout(pad=0.1)
    figure.savefig(path, dpi=100)
    plt.close(figure)

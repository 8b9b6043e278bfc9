"""Saving generated tensors as PNG: images as a labelled grid, anything else as a grid of line plots.

``row_labels`` names each row of the grid (``input``, ``reconstruction``, ``true``, ``predicted``, ...), written
at its left, so a reader knows which row is the input and which the model's output. Images are scaled up by
nearest neighbour to at least ``MIN_CELL_PX`` pixels a side (8x8 digits: 6 px per source pixel).
"""

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from pytorch_lightning.utilities.rank_zero import rank_zero_only
from torchvision.utils import make_grid

MIN_CELL_PX = 48
DPI = 100


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _upscale(samples: torch.Tensor) -> int:
    return max(3, math.ceil(MIN_CELL_PX / min(samples.shape[-2:])))


@rank_zero_only  # under DDP every rank ends training; one writes the pictures
def save_samples(
    samples: torch.Tensor, path: str | Path, nrow: int = 8, row_labels: list[str] | None = None
) -> Path:
    """Write ``samples`` (batch, ...) to ``path``; (batch, C, H, W) with 1 or 3 channels are images.

    ``nrow`` samples go in each row; ``row_labels`` (one per row, cycled if shorter) names the rows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = samples.detach().float().cpu()
    n_rows = math.ceil(len(samples) / nrow)
    labels = [row_labels[i % len(row_labels)] for i in range(n_rows)] if row_labels else None
    if samples.dim() == 4 and samples.shape[1] in (1, 3):
        _save_image_grid(samples, path, nrow, labels)
    else:
        _save_line_plots(samples.flatten(1), path, nrow, labels)
    return path


def _save_image_grid(samples: torch.Tensor, path: Path, nrow: int, labels: list[str] | None) -> None:
    # One min-max scale for the whole grid keeps inputs and outputs comparable.
    scale = _upscale(samples)
    pad = 2
    grid = make_grid(
        F.interpolate(samples, scale_factor=scale, mode="nearest"), nrow=nrow, padding=pad, normalize=True
    )
    height, width = grid.shape[1:]
    margin = 110 if labels else 0  # pixels for the row names
    plt = _pyplot()
    figure = plt.figure(figsize=((width + margin) / DPI, height / DPI), dpi=DPI)
    axes = figure.add_axes((margin / (width + margin), 0, width / (width + margin), 1))
    axes.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    axes.set_axis_off()
    cell = samples.shape[-2] * scale + pad
    for row, label in enumerate(labels or []):
        y = 1 - (pad + row * cell + cell / 2) / height
        figure.text(margin / (width + margin) - 0.01, y, label, ha="right", va="center", fontsize=10)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)


def _save_line_plots(rows: torch.Tensor, path: Path, ncols: int, labels: list[str] | None) -> None:
    plt = _pyplot()
    nrows = math.ceil(len(rows) / ncols)
    figure, axes = plt.subplots(
        nrows, ncols, figsize=(1.6 * ncols + 1, 1.2 * nrows), sharex=True, sharey=True, squeeze=False
    )
    for index, axis in enumerate(axes.flat):
        if index < len(rows):
            axis.plot(rows[index].numpy(), linewidth=0.9)
        axis.set_xticks([])
        axis.set_yticks([])
    for row, label in enumerate(labels or []):
        axes[row][0].set_ylabel(label, fontsize=9)
    figure.tight_layout(pad=0.3)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)

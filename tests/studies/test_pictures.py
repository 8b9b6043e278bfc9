"""Per-run pictures: rows named at their left, images at >= 3 px per source pixel."""

import torch
from PIL import Image

from dlr.tasks.pictures import save_samples


def test_image_grid_is_large_enough_and_labelled_rows_widen_it(tmp_path):
    digits = torch.rand(16, 1, 8, 8)
    plain = Image.open(save_samples(digits, tmp_path / "plain.png", nrow=8))
    labelled = Image.open(
        save_samples(digits, tmp_path / "labelled.png", nrow=8, row_labels=["input", "reconstruction"])
    )
    assert plain.width >= 8 * 8 * 3 and plain.height >= 2 * 8 * 3  # 8 columns, 2 rows, 3 px per pixel
    assert labelled.height == plain.height and labelled.width > plain.width  # the names sit in a margin
    margin = torch.tensor(list(labelled.convert("L").getdata())).view(labelled.height, labelled.width)
    margin = margin[:, : labelled.width - plain.width]
    assert (margin < 128).any(0).sum() > 20  # dark text pixels: the row names are drawn


def test_signals_are_drawn_as_labelled_line_plots(tmp_path):
    picture = Image.open(
        save_samples(torch.randn(6, 1, 40), tmp_path / "s.png", nrow=3, row_labels=["a", "b"])
    )
    assert picture.width >= 3 * 100 and picture.height >= 2 * 80

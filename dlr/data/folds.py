"""k-fold splits of a training set: seeded, disjoint, covering every row; stratified by class labels."""

import torch

from dlr.errors import require


def check_fold(folds: int | None, fold: int | None) -> None:
    require(
        folds is None or (isinstance(folds, int) and folds >= 2),
        "cv.folds",
        f"must be null or >= 2, got {folds}",
    )
    require(
        fold is None or (folds is not None and isinstance(fold, int) and 0 <= fold < folds),
        "cv.fold",
        f"must be null or an integer in [0, cv.folds) with cv.folds set, got {fold} (cv.folds={folds})",
    )


def fold_of_each_row(labels: torch.Tensor, folds: int, generator: torch.Generator) -> torch.Tensor:
    """Each row's fold id. Classes (integer labels) are dealt out in turn, so each fold keeps their shares."""
    n = len(labels)
    require(n >= folds, "cv.folds", f"must be <= {n} (the training rows to split), got {folds}")
    order = torch.randperm(n, generator=generator)
    if labels.dtype == torch.long:
        # Stable sort by class keeps the shuffled order within a class; dealing it out round-robin
        # from a running position spreads every class, and the remainder of each, across the folds.
        order = order[torch.sort(labels[order], stable=True).indices]
    fold_ids = torch.empty(n, dtype=torch.long)
    fold_ids[order] = torch.arange(n) % folds
    return fold_ids


def fold_indices(
    labels: torch.Tensor, folds: int, fold: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(validation, training) row indices of fold ``fold`` of ``folds``."""
    fold_ids = fold_of_each_row(labels, folds, generator)
    return torch.where(fold_ids == fold)[0], torch.where(fold_ids != fold)[0]

"""Competitive learning with a shrinking neighbourhood: Kohonen's rule for self-organising maps. No optimizer.

For each batch the winner of every input and the units near it on the map move towards it:
``Δw_j = lr · mean_b h(b, j) (x_b - w_j)`` with ``h = exp(-d_grid(winner_b, j)² / 2σ²)``. The learning rate
and σ decay exponentially over the run, from ``lr_start``/``sigma_start`` (σ defaults to half the map side)
to ``lr_end``/``sigma_end``: first the map orders itself, then it fine-tunes. Reported: quantisation error
(also ``loss``) and topographic error. After fitting, the U-matrix and the prototype map are saved as PNG.
"""

from pathlib import Path

import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from dlr.errors import require
from dlr.tasks.pictures import save_samples
from dlr.tasks.rule_based import RuleTask


class CompetitiveTask(RuleTask):
    metric_names = ("loss", "quantisation_error", "topographic_error")

    def __init__(
        self,
        *args,
        lr_start: float = 0.5,
        lr_end: float = 0.01,
        sigma_start: float | None = None,
        sigma_end: float = 0.5,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        require(
            0 < lr_end <= lr_start <= 1,
            "model.task.lr_start",
            f"need 0 < lr_end <= lr_start <= 1, got {lr_end}, {lr_start}",
        )
        self.sigma_start = sigma_start or max(self.net.rows, self.net.cols) / 2
        require(
            0 < sigma_end <= self.sigma_start,
            "model.task.sigma_end",
            f"must be in (0, sigma_start={self.sigma_start}], got {sigma_end}",
        )
        self.lr_start, self.lr_end, self.sigma_end = lr_start, lr_end, sigma_end

    def schedule(self, batch_idx: int) -> tuple[float, float]:
        """(learning rate, σ) at this point of the run, decaying exponentially from start to end values."""
        total = max(self.trainer.max_epochs * self.trainer.num_training_batches - 1, 1)
        progress = min((self.current_epoch * self.trainer.num_training_batches + batch_idx) / total, 1.0)
        return self.lr_start * (self.lr_end / self.lr_start) ** progress, self.sigma_start * (
            self.sigma_end / self.sigma_start
        ) ** progress

    def training_step(self, batch, batch_idx):
        x = batch[0].flatten(1)
        lr, sigma = self.schedule(batch_idx)
        with torch.no_grad():
            winners = self.net(x)
            influence = torch.exp(
                -self.net.grid_distances(winners).square() / (2 * sigma**2)
            )  # (batch, units)
            pull = influence.T @ x - influence.sum(0)[:, None] * self.net.prototypes
            self.net.prototypes += lr * pull / len(x)
            self.track("train", len(x), quantisation_error=self.net.quantisation_error(x))

    def evaluate(self, batch, stage: str) -> None:
        x = batch[0]
        error = self.net.quantisation_error(x)
        self.track(
            stage,
            len(x),
            loss=error,
            quantisation_error=error,
            topographic_error=self.net.topographic_error(x),
        )

    def on_train_end(self) -> None:
        run_dir = Path(self.trainer.default_root_dir)
        prototypes = self.net.prototypes.detach().view(-1, *self.net.input_shape)
        save_samples(prototypes, run_dir / "som_prototypes.png", nrow=self.net.cols)
        save_u_matrix(self.net.u_matrix().detach(), run_dir / "som_u_matrix.png")


@rank_zero_only
def save_u_matrix(u_matrix: torch.Tensor, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 3.5))
    image = axes.imshow(u_matrix.cpu().numpy(), cmap="viridis")
    figure.colorbar(image, ax=axes, label="mean distance to neighbours")
    axes.set(title="U-matrix", xticks=[], yticks=[])
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)

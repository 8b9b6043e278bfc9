"""Gradual unfreezing follows its schedule; discriminative learning rates reach the optimizer."""

import pytest
import pytorch_lightning as pl
import torch
from hydra.utils import instantiate

from dlr.run import build
from dlr.tasks import from_config
from dlr.transfer.gradual import GradualUnfreeze
from tests.conftest import FAST


class WeightsPerEpoch(pl.Callback):
    """Each hidden layer's weights at the end of every epoch."""

    def __init__(self):
        self.seen: list[tuple[torch.Tensor, torch.Tensor]] = []

    def on_train_epoch_end(self, trainer, pl_module):
        self.seen.append(
            (pl_module.net.layers[1].weight.detach().clone(), pl_module.net.layers[3].weight.detach().clone())
        )


def test_gradual_unfreezing_follows_its_schedule(make_cfg):
    cfg = make_cfg(
        [
            "width=16",
            *FAST,
            "trainer.max_epochs=5",
            "transfer=gradual_unfreeze",
            "transfer.gradual_unfreeze.every_n_epochs=2",
        ]
    )
    datamodule = from_config.build_datamodule(cfg)
    transformed = instantiate(cfg.transfer, _convert_="all").apply(from_config.build_net(cfg, datamodule))
    (unfreeze,) = transformed.callbacks
    task = from_config.build_task(cfg, datamodule, transformed)
    first, second = task.net.layers[1].weight.detach().clone(), task.net.layers[3].weight.detach().clone()
    weights = WeightsPerEpoch()
    build.build_trainer(cfg, [unfreeze, weights], []).fit(task, datamodule=datamodule)
    # 3 blocks (two hidden layers and the head): the head alone at epochs 0-1, one more at 2-3, all from epoch 4
    assert isinstance(unfreeze, GradualUnfreeze) and unfreeze.history == [
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 3),
    ]
    for epoch, (w1, w2) in enumerate(weights.seen):
        assert torch.equal(w1, first) == (epoch < 4), epoch  # the input block trains only from epoch 4
        assert torch.equal(w2, second) == (epoch < 2), epoch  # the middle block from epoch 2


def test_discriminative_learning_rates_reach_the_optimizer(build_task):
    cfg, _, task = build_task(["transfer=discriminative_lr", "transfer.discriminative_lr.decay=0.5"])
    optimizer = task.configure_optimizers()
    lr = cfg.optimizer.lr
    by_size = {sum(p.numel() for p in group["params"]): group["lr"] for group in optimizer.param_groups}
    assert by_size == {
        40 * 100 + 100: pytest.approx(lr / 4),
        100 * 100 + 100: pytest.approx(lr / 2),
        100 * 10 + 10: lr,
    }

"""The GAN learns: its samples move towards the data and are not collapsed, and neither player wins outright.

Baselines: the untrained generator's MMD to the test digits (training must cut it several-fold), and a
collapsed generator's diversity (0; real digits score 1).
"""

import torch

from dlr.run.train import train
from dlr.tasks.adversarial import sample_quality
from dlr.tasks.from_config import build_datamodule, build_task
from tests.conftest import FAST

GAN = [*FAST, "model=gan", "data=digits", "width=64", "data.batch_size=32", "trainer.max_epochs=8"]
GAN += ["model.net.output_activation=sigmoid", "optimizer.lr=0.001"]


def test_gan_learns_without_collapse(make_cfg):
    cfg = make_cfg(GAN)
    datamodule = build_datamodule(cfg)
    torch.manual_seed(cfg.seed)
    untrained = build_task(cfg, datamodule).net.eval()
    with torch.no_grad():
        before = sample_quality(datamodule.test.x[:512], untrained.sample(512))
    metrics = train(cfg)["metrics"]
    assert metrics["test/mmd"] < 0.3 * before["mmd"]
    assert metrics["test/diversity"] > 0.3
    assert 0.2 < metrics["train/d_loss"] < 1.5 and 0.3 < metrics["train/g_loss"] < 3.0
    assert metrics["train/d_accuracy"] < 0.95


def test_sample_quality_flags_collapse():
    real = torch.rand(200, 64)
    collapsed = real[:1].repeat(200, 1)
    assert sample_quality(real, collapsed)["diversity"] < 1e-3
    assert sample_quality(real, real.flip(0))["diversity"] > 0.99

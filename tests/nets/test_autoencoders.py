"""The autoencoders learn: each reconstructs held-out digits clearly better than the mean image does.

Baseline: the test MSE of predicting every digit as the training set's mean image (about 0.073 on digits).
"""

from pathlib import Path

import torch

from dlr.nets.autoencoders import DCIGN, Autoencoder
from dlr.run.train import train
from dlr.tasks.from_config import build_datamodule, build_task
from tests.conftest import FAST

DIGITS = ["data=digits", "width=64"]


def run(make_cfg, overrides: list[str]) -> tuple[dict, Path, float]:
    """Train, and return (metrics, run directory, the mean-image MSE on the test split)."""
    cfg = make_cfg([*FAST, *DIGITS, *overrides])
    datamodule = build_datamodule(cfg)
    mean_image_mse = float((datamodule.test.x - datamodule.train.x.mean(0)).pow(2).mean())
    record = train(cfg)
    assert record["status"] == "completed"
    return record["metrics"], Path(cfg.paths.output_dir), mean_image_mse


def test_ae_beats_the_mean_image(make_cfg):
    metrics, run_dir, baseline = run(make_cfg, ["model=ae", "trainer.max_epochs=5"])
    assert metrics["test/recon_mse"] < 0.6 * baseline
    assert (run_dir / "reconstructions.png").is_file()


def test_dae_denoises_better_than_the_corruption_and_the_mean_image(make_cfg):
    metrics, _, baseline = run(make_cfg, ["model=dae", "trainer.max_epochs=5"])
    assert metrics["test/denoise_mse"] < 0.6 * min(baseline, metrics["test/corrupted_mse"])


def test_sae_code_is_sparse_and_still_reconstructs(make_cfg):
    metrics, _, baseline = run(make_cfg, ["model=sae", "trainer.max_epochs=5"])
    # An unpenalised sigmoid code averages about 0.5; the KL penalty pulls it towards the 0.05 target.
    assert metrics["test/code_activity"] < 0.2
    assert metrics["test/recon_mse"] < 0.8 * baseline


def test_vae_elbo_learns_and_writes_traversal(make_cfg):
    metrics, run_dir, baseline = run(make_cfg, ["model=vae", "trainer.max_epochs=5"])
    assert metrics["test/recon_mse"] < 0.6 * baseline
    assert metrics["test/kl"] > 1.0  # the latents carry information: no posterior collapse
    for picture in ("reconstructions", "prior_samples", "latent_traversal"):
        assert (run_dir / f"{picture}.png").is_file()


def test_dcign_learns(make_cfg):
    metrics, run_dir, baseline = run(make_cfg, ["model=dcign", "width=16", "trainer.max_epochs=4"])
    assert metrics["test/recon_mse"] < 0.6 * baseline
    assert (run_dir / "latent_traversal.png").is_file()


def test_dcign_reads_signals_and_refuses_tables():
    net = DCIGN((1, 40), 10, width=8, latent_size=3)
    mean, log_variance = net.encode(torch.randn(5, 1, 40))
    assert mean.shape == log_variance.shape == (5, 3)
    assert net.decode(mean).shape == (5, 1, 40)
    assert "tabular" not in DCIGN.data_kinds and "tabular" in Autoencoder.data_kinds


def test_dcign_traversal_moves_one_latent_per_row(make_cfg):
    cfg = make_cfg([*FAST, *DIGITS, "model=dcign", "width=8", "model.task.traversal_steps=5"])
    task = build_task(cfg, build_datamodule(cfg)).eval()
    origin = torch.zeros(task.net.latent_size)
    with torch.no_grad():
        grid = task.latent_traversal(origin)
    assert grid.shape == (task.net.latent_size * 5, 1, 8, 8)

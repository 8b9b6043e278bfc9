"""RBM: CD-1 and persistent CD drive the reconstruction error far below its value at initialisation."""

from pathlib import Path

import pytest

from dlr.run.train import train
from tests.conftest import FAST

RBM = ["model=rbm", "data=binary_digits", "width=64", "model.task.sample_steps=50", *FAST[1:]]


@pytest.mark.parametrize("persistent", [False, True])
def test_contrastive_divergence_lowers_reconstruction_error(make_cfg, persistent):
    variant = [*RBM, f"model.task.persistent={str(persistent).lower()}"]
    initial = train(make_cfg([*variant, "train=false"], run_name="init"))["metrics"]
    trained = train(make_cfg([*variant, "trainer.max_epochs=3"], run_name="trained"))
    metrics = trained["metrics"]
    # Baseline: the untrained RBM's mean-field reconstruction (~0.25, every pixel near p=0.5).
    assert metrics["test/recon_error"] < 0.6 * initial["test/recon_error"], (metrics, initial)
    assert metrics["test/pseudo_likelihood"] > initial["test/pseudo_likelihood"] + 0.1
    assert (Path(trained["run_dir"]) / "gibbs_samples.png").is_file()


def test_persistent_cd_resumes_exactly_from_its_checkpoint(make_cfg):
    # The fantasy chains are a buffer, the optimizer state is Lightning's: resumed equals uninterrupted.
    common = ["model=rbm", "data=binary_digits", "width=32", "model.task.persistent=true"]
    common += ["model.task.sample_steps=0", "logger=none", "trainer.num_sanity_val_steps=0"]
    whole = train(make_cfg([*common, "trainer.max_epochs=3"], run_name="whole"))["metrics"]
    train(make_cfg([*common, "trainer.max_epochs=2"], run_name="first"))
    resumed = train(make_cfg([*common, "trainer.max_epochs=3", "ckpt_path=last"], run_name="resumed"))
    resumed = resumed["metrics"]
    for key in ("test/recon_error", "test/pseudo_likelihood"):
        assert resumed[key] == pytest.approx(whole[key], rel=1e-6), key

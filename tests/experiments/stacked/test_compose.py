"""A stacked sweep composes each group once: every job's config equals Hydra's own composition of it."""

from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

from dlr.config.compose import CONF_DIR
from dlr.experiments.stacked.compose import ComposeOnce


def test_a_job_of_a_group_is_its_first_config_with_its_own_values_and_overrides(tmp_path):
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("train", [f"hydra.sweep.dir={tmp_path}"], RunMode.MULTIRUN)
        composer = ComposeOnce(loader)
        jobs = [
            ["experiment=dd_mnist1d", f"width={width}", f"seed={seed}", f"data.label_noise={noise}", *extra]
            for extra in ([], ["optimizer.lr=0.1"], ["+note=stacked"])
            for width in (3, 300)
            for seed in (0, 4)
            for noise in (0.0, 0.15)
        ]
        jobs.append(["seed=2", "experiment=dd_cnn", "width=8", "seed=5"])  # the last value of a key wins
        for job in jobs:
            mine = composer.load_sweep_config(master, job)
            assert OmegaConf.to_container(mine) == OmegaConf.to_container(
                loader.load_sweep_config(master, job)
            )
            assert mine.hydra.overrides.task == job
        assert (mine.seed, mine.width) == (5, 8)
        assert len(composer.first_of_group) == 4  # one full composition per group


def test_another_apps_seed_config_group_composes_in_full(tmp_path):
    (tmp_path / "seed").mkdir()
    (tmp_path / "app.yaml").write_text("defaults:\n  - seed: small\n  - _self_\nwidth: 1\n")
    (tmp_path / "seed" / "small.yaml").write_text("rows: 10\n")
    (tmp_path / "seed" / "large.yaml").write_text("rows: 1000\n")
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(tmp_path), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("app", [f"hydra.sweep.dir={tmp_path}"], RunMode.MULTIRUN)
        composer = ComposeOnce(loader)
        for job in (["seed=small", "width=2"], ["seed=large", "width=3"]):
            mine = composer.load_sweep_config(master, job)
            assert OmegaConf.to_container(mine) == OmegaConf.to_container(
                loader.load_sweep_config(master, job)
            )
        assert (mine.seed.rows, mine.width) == (1000, 3)

"""Evaluate a checkpoint on its run's test split: `python eval.py ckpt_path=outputs/runs/.../last.ckpt`."""

import hydra
from omegaconf import DictConfig

import dlr  # noqa: F401  (registers the config resolvers)
from dlr.config.preflight import config_is_valid
from dlr.config.resolvers import start_launch
from dlr.patches import install_entry_point_patches


@hydra.main(version_base="1.3", config_path="conf", config_name="eval")
def main(cfg: DictConfig) -> None:
    if not config_is_valid(cfg):
        return
    from dlr.run.evaluate import evaluate  # after the checks: they answer before torch loads

    evaluate(cfg)


if __name__ == "__main__":
    start_launch()
    install_entry_point_patches()
    main()

"""Predict with a trained run: `python predict.py ckpt_path=... data=csv data.path=new.csv` or `split=test`."""

import hydra
from omegaconf import DictConfig

import dlr  # noqa: F401  (registers the config resolvers)
from dlr.config.resolvers import start_launch
from dlr.patches import install_entry_point_patches


@hydra.main(version_base="1.3", config_path="conf", config_name="predict")
def main(cfg: DictConfig) -> None:
    from dlr.run.predict import predict  # after Hydra: --help and config errors answer before torch loads

    predict(cfg)


if __name__ == "__main__":
    start_launch()
    install_entry_point_patches()
    main()

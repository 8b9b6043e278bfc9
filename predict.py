"""Predict with a trained run: `python predict.py ckpt_path=... data=csv data.path=new.csv` or `split=test`."""

import hydra
from omegaconf import DictConfig

import dlr  # noqa: F401  (registers the config resolvers)
from dlr.config.preflight import config_is_valid
from dlr.config.resolvers import start_launch
from dlr.patches import install_entry_point_patches


@hydra.main(version_base="1.3", config_path="conf", config_name="predict")
def main(cfg: DictConfig) -> None:
    if not config_is_valid(cfg, supplied=("data.target",)):  # a new table's target column: the training run's
        return
    from dlr.run.predict import predict  # after the checks: they answer before torch loads

    predict(cfg)


if __name__ == "__main__":
    start_launch()
    install_entry_point_patches()
    main()

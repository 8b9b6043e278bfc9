"""Train (and test) one composed experiment: `python train.py model=cnn width=64`, or sweep with `-m`.

torch and Lightning are imported only once the config is valid (dlr.run.train validates first): `--help`,
`--cfg job`, tab completion and a bad value answer in Hydra's time, not the run's.
"""

import hydra
from omegaconf import DictConfig

import dlr  # noqa: F401  (registers the config resolvers)
from dlr.config.resolvers import start_launch
from dlr.patches import install_entry_point_patches


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    from dlr.experiments import driver_for
    from dlr.run.train import job_value, train

    # A driver runs many runs (k-fold, benchmarks, studies); anything else is one run.
    return job_value(cfg, train(cfg, driver_for(cfg)))


if __name__ == "__main__":
    start_launch()
    install_entry_point_patches()
    main()

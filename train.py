"""Train (and test) one composed experiment: `python train.py model=cnn width=64`, or sweep with `-m`."""

import hydra
from omegaconf import DictConfig

import dlr  # noqa: F401  (registers the config resolvers)
from dlr.experiments.tabular_benchmark import run_benchmark
from dlr.run import train


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    # A driver config (experiment=tabular_benchmark) runs many single runs; anything else is one run.
    record = run_benchmark(cfg) if cfg.get("tabular_benchmark") else train(cfg)
    if record is None:
        return None
    # The value a hyperparameter search (hparams_search=optuna) optimizes.
    metrics = record["metrics"]
    return metrics.get(cfg.get("optimized_metric") or "test/acc", metrics.get("test/loss"))


if __name__ == "__main__":
    main()

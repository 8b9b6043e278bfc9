"""A fitted estimator's file, ``checkpoints/estimator.joblib``: what ``predict.py ckpt_path=...`` reads back.

It holds the run's resolved config (``dlr_config``, as a Lightning checkpoint does) and the estimator. It
is a pickle, as scikit-learn's own persistence is: load only files your own runs wrote.
"""

from pathlib import Path

import joblib
from omegaconf import DictConfig, OmegaConf

from dlr.errors import ConfigError

ESTIMATOR_FILE = "estimator.joblib"


def save_estimator(run_dir: str | Path, estimator, cfg: DictConfig) -> Path:
    path = Path(run_dir) / "checkpoints" / ESTIMATOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    joblib.dump({"dlr_config": OmegaConf.to_container(cfg, resolve=True), "estimator": estimator}, partial)
    partial.replace(path)  # a file that exists is a whole one
    return path


def load_estimator(path: str | Path) -> dict:
    try:
        stored = joblib.load(path)
    except Exception as error:  # a truncated or foreign file
        raise ConfigError(
            "ckpt_path", f"cannot read {path} as a fitted estimator ({type(error).__name__})"
        ) from None
    if not isinstance(stored, dict) or "estimator" not in stored:
        raise ConfigError("ckpt_path", f"{path} holds no dlr estimator; was it written by dlr's train.py?")
    return stored


def is_estimator_file(path: str | Path) -> bool:
    return Path(str(path)).suffix == Path(ESTIMATOR_FILE).suffix

"""A fitted estimator's file, ``checkpoints/estimator.skops``: what ``predict.py ckpt_path=...`` reads back.

It holds the run's resolved config (``dlr_config``, as a Lightning checkpoint does) and the estimator, in
skops' format rather than a pickle: loading rebuilds only types it is told to trust, so a crafted file
cannot run code through ``predict.py`` (the promise every dlr checkpoint keeps, see docs/safety.md). The
trusted types are the tree libraries' own (scikit-learn, XGBoost, CatBoost) and dlr's; a file naming any
other type is refused in one line. An estimator skops cannot store (TabPFN holds torch modules) gets no
file, and ``predict.py`` says so.
"""

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from dlr import console
from dlr.errors import ConfigError

ESTIMATOR_FILE = "estimator.skops"
#: Modules whose types a stored estimator may be rebuilt from: the estimators' own libraries, and dlr's.
TRUSTED_MODULES = ("sklearn.", "xgboost.", "catboost.", "dlr.")


def save_estimator(run_dir: str | Path, estimator, cfg: DictConfig) -> Path | None:
    import skops.io

    path = Path(run_dir) / "checkpoints" / ESTIMATOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = {"dlr_config": OmegaConf.to_container(cfg, resolve=True), "estimator": estimator}
    try:
        data = skops.io.dumps(stored)
    except Exception as error:  # a type skops has no way to store
        console.console.print(f"no {ESTIMATOR_FILE} for predict.py: {type(estimator).__name__} ({error})")
        return None
    partial = path.with_suffix(".tmp")
    partial.write_bytes(data)
    partial.replace(path)  # a file that exists is a whole one
    return path


def load_estimator(path: str | Path) -> dict:
    import skops.io

    try:
        data = Path(path).read_bytes()
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as error:  # a truncated or foreign file
        raise ConfigError(
            "ckpt_path", f"cannot read {path} as a fitted estimator ({type(error).__name__})"
        ) from None
    foreign = [name for name in untrusted if not name.startswith(TRUSTED_MODULES)]
    if foreign:
        raise ConfigError("ckpt_path", f"{path} names types dlr does not load: {', '.join(foreign[:3])}")
    stored = skops.io.loads(data, trusted=untrusted)
    if not isinstance(stored, dict) or "estimator" not in stored:
        raise ConfigError("ckpt_path", f"{path} holds no dlr estimator; was it written by dlr's train.py?")
    return stored


def is_estimator_file(path: str | Path) -> bool:
    return Path(str(path)).suffix == Path(ESTIMATOR_FILE).suffix

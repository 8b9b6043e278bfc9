"""Finding checkpoints (``ckpt_path=last``) and checking that one fits the net before any training starts."""

from pathlib import Path

import torch
from torch import nn

from dlr.errors import ConfigError, require


def find_last_checkpoint(log_dir: str | Path, task_name: str, exclude: str | Path | None = None) -> Path:
    """The newest ``last.ckpt`` among this task_name's runs and sweep jobs."""
    root = Path(log_dir)
    candidates = [
        *root.glob(f"runs/{task_name}/*/checkpoints/last*.ckpt"),
        *root.glob(f"multiruns/{task_name}/*/*/checkpoints/last*.ckpt"),
    ]
    if exclude is not None:
        candidates = [c for c in candidates if Path(exclude) not in c.parents]
    require(
        bool(candidates), "ckpt_path", f"`last` found no checkpoint of task_name={task_name} under {root}"
    )
    return max(candidates, key=lambda c: c.stat().st_mtime)


def resolve_checkpoint(ckpt_path: str | None, log_dir: str, task_name: str, run_dir: str) -> Path | None:
    if ckpt_path is None:
        return None
    if str(ckpt_path) == "last":
        return find_last_checkpoint(log_dir, task_name, exclude=run_dir)
    path = Path(ckpt_path).expanduser()
    require(path.is_file(), "ckpt_path", f"no such checkpoint file: {path}")
    return path


def load_checkpoint(path: str | Path) -> dict:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated or foreign file
        raise ConfigError(
            "ckpt_path", f"cannot read {path} as a checkpoint ({type(error).__name__})"
        ) from None


def state_dict_mismatches(
    expected: dict[str, torch.Tensor], found: dict[str, torch.Tensor]
) -> dict[str, list[str]]:
    """Keys missing from ``found``, unexpected in it, and present in both with different shapes."""
    shape = {k: tuple(v.shape) for k, v in found.items() if hasattr(v, "shape")}
    return {
        "missing": [k for k in expected if k not in found],
        "unexpected": [k for k in found if k not in expected],
        "shape": [
            f"{k} {shape[k]} vs {tuple(v.shape)}"
            for k, v in expected.items()
            if k in shape and shape[k] != tuple(v.shape)
        ],
    }


def check_fits(
    module: nn.Module,
    checkpoint: dict,
    path: str | Path,
    what: str,
    key: str = "ckpt_path",
    ignore=(),
    hint: str = "",
) -> None:
    """Fail in one line when the checkpoint's weights cannot load into ``module`` exactly.

    Keys in ``ignore`` are left out of the comparison (a fine-tuned net's new head); ``hint`` ends the message.
    """
    expected = {k: v for k, v in module.state_dict().items() if k not in ignore}
    found = {k: v for k, v in checkpoint.get("state_dict", {}).items() if k not in ignore}
    problems = state_dict_mismatches(expected, found)
    if not any(problems.values()):
        return
    parts = [
        f"{kind}: {', '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}"
        for kind, keys in problems.items()
        if keys
    ]
    trained = (checkpoint.get("dlr_config") or {}).get("model", {}).get("name", "another model")
    raise ConfigError(
        key, f"{path} was written by {trained} and does not fit {what} ({'; '.join(parts)}){hint}"
    )

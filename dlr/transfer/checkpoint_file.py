"""Reading a dlr checkpoint file and checking that its weights fit a net, in one line when they do not."""

from pathlib import Path

import torch

from dlr.errors import ConfigError, require
from dlr.patches.lightning_internals import completed_epochs


def load_checkpoint(path: str | Path, key: str = "ckpt_path") -> dict:
    """The checkpoint at ``path``; a file that is not one is a line naming the config ``key`` that gave it."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated or foreign file
        raise ConfigError(key, f"cannot read {path} as a checkpoint ({type(error).__name__})") from None


#: The key part of a bitsandbytes 4-bit layer's packed quantization state (``weight.quant_state.bitsandbytes__nf4``).
PACKED_STATE = ".quant_state.bitsandbytes__"


def state_dict_mismatches(
    expected: dict[str, torch.Tensor], found: dict[str, torch.Tensor]
) -> dict[str, list[str]]:
    """Keys missing from ``found``, unexpected in it, and present in both with different shapes.

    A bitsandbytes 4-bit layer's packed quantization state is a JSON blob stored as bytes, whose length
    follows the numbers in it: its shape is not compared."""
    shape = {k: tuple(v.shape) for k, v in found.items() if hasattr(v, "shape") and PACKED_STATE not in k}
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
    expected_state: dict[str, torch.Tensor],
    checkpoint: dict,
    path: str | Path,
    what: str,
    key: str = "ckpt_path",
    ignore=(),
    hint: str = "",
) -> None:
    """Fail in one line when the checkpoint's weights cannot replace ``expected_state`` (a state dict) exactly.

    Keys in ``ignore`` are left out of the comparison (a fine-tuned net's new head); ``hint`` ends the message.
    """
    expected = {k: v for k, v in expected_state.items() if k not in ignore}
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


def check_resumable(
    expected_state: dict[str, torch.Tensor], checkpoint: dict, path: str | Path, what: str, max_epochs: int
) -> None:
    """A checkpoint a fit resumes must fit the net and leave ``trainer.max_epochs`` to train (or -1)."""
    check_fits(expected_state, checkpoint, path, what)
    done = completed_epochs(checkpoint)
    require(
        max_epochs == -1 or max_epochs >= done,
        "trainer.max_epochs",
        f"must be >= the {done} epochs the checkpoint already trained (or -1), got {max_epochs}",
    )

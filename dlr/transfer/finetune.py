"""Loading a dlr checkpoint's weights into a new run's net, with a new head when the classes differ."""

from pathlib import Path

from torch import nn

from dlr.errors import require
from dlr.records import last_checkpoint_path
from dlr.transfer.blocks import head_params
from dlr.transfer.checkpoint_file import check_fits, load_checkpoint
from dlr.transforms import TASK_NET_PREFIX

KEY = "transfer.checkpoint"


def find_checkpoint(path: str) -> Path:
    """A ``.ckpt`` file, or a run directory whose ``checkpoints/last.ckpt`` is taken."""
    found = Path(path).expanduser()
    if found.is_dir():
        found = last_checkpoint_path(found)
    require(
        found.is_file(),
        KEY,
        f"no checkpoint at {found}; give a .ckpt file or a run directory with checkpoints/last.ckpt",
    )
    return found


def load_pretrained_weights(net: nn.Module, path: str, partial: bool, reset_head: bool) -> dict:
    """Load the net's weights of the checkpoint at ``path`` into ``net``; return what was loaded, missing,
    unexpected and new, named as in the checkpoint (``net.<parameter>``).

    The head is left freshly initialised when its shape differs (another class count) or ``reset_head`` is set.
    Any other mismatch fails in one line naming the first keys, unless ``partial`` loads what matches.
    """
    file = find_checkpoint(path)
    checkpoint = load_checkpoint(file, "transfer.checkpoint")
    require(
        bool(checkpoint.get("state_dict")),
        KEY,
        f"{file} holds no state_dict; was it written by dlr's train.py?",
    )
    # The task's own state (running statistics of some learning rules) belongs to the task, not the net.
    found = {k: v for k, v in checkpoint["state_dict"].items() if k.startswith(TASK_NET_PREFIX)}
    own = {f"{TASK_NET_PREFIX}{k}": v for k, v in net.state_dict().items()}
    head = {f"{TASK_NET_PREFIX}{name}" for name in head_params(net)}
    head_differs = any(k in found and tuple(found[k].shape) != tuple(own[k].shape) for k in head)
    new_head = sorted(head) if reset_head or head_differs else []
    if not partial:
        hint = "; set transfer.partial=true to load only the tensors that match"
        check_fits(
            own,
            {**checkpoint, "state_dict": found},
            file,
            "this run's net",
            key=KEY,
            ignore=set(new_head),
            hint=hint,
        )
    loaded = {
        k: v
        for k, v in found.items()
        if k in own and k not in new_head and tuple(v.shape) == tuple(own[k].shape)
    }
    net.load_state_dict({k.removeprefix(TASK_NET_PREFIX): v for k, v in loaded.items()}, strict=False)
    return {
        "checkpoint": str(file),
        "loaded": sorted(loaded),
        "new_head": new_head,
        "missing": [k for k in own if k not in loaded and k not in new_head],
        "unexpected": [k for k in found if k not in own],
        "shape_mismatch": [k for k in found if k in own and k not in new_head and k not in loaded],
    }

"""Loading a dlr checkpoint's weights into a new run's net, with a new head when the classes differ."""

from pathlib import Path

from dlr.checkpoints import check_fits, load_checkpoint
from dlr.errors import require
from dlr.tasks.base import Task
from dlr.transfer.blocks import head_params

KEY = "transfer.checkpoint"


def find_checkpoint(path: str) -> Path:
    """A ``.ckpt`` file, or a run directory whose ``checkpoints/last.ckpt`` is taken."""
    found = Path(path).expanduser()
    if found.is_dir():
        found = found / "checkpoints" / "last.ckpt"
    require(
        found.is_file(),
        KEY,
        f"no checkpoint at {found}; give a .ckpt file or a run directory with checkpoints/last.ckpt",
    )
    return found


def load_pretrained_weights(task: Task, path: str, partial: bool = False, reset_head: bool = False) -> dict:
    """Load the checkpoint at ``path`` into ``task`` and return what was loaded, missing, unexpected and new.

    The head is left freshly initialised when its shape differs (another class count) or ``reset_head`` is set.
    Any other mismatch fails in one line naming the first keys, unless ``partial`` loads what matches.
    """
    file = find_checkpoint(path)
    checkpoint = load_checkpoint(file)
    found = checkpoint.get("state_dict") or {}
    require(bool(found), KEY, f"{file} holds no state_dict; was it written by dlr's train.py?")
    own = task.state_dict()
    head = {f"net.{name}" for name in head_params(task.net)}
    head_differs = any(k in found and tuple(found[k].shape) != tuple(own[k].shape) for k in head)
    new_head = sorted(head) if reset_head or head_differs else []
    if not partial:
        hint = "; set transfer.partial=true to load only the tensors that match"
        check_fits(task, checkpoint, file, "this run's net", key=KEY, ignore=set(new_head), hint=hint)
    loaded = {
        k: v
        for k, v in found.items()
        if k in own and k not in new_head and tuple(v.shape) == tuple(own[k].shape)
    }
    task.load_state_dict(loaded, strict=False)
    return {
        "checkpoint": str(file),
        "loaded": sorted(loaded),
        "new_head": new_head,
        "missing": [k for k in own if k not in loaded and k not in new_head],
        "unexpected": [k for k in found if k not in own],
        "shape_mismatch": [k for k in found if k in own and k not in new_head and k not in loaded],
    }

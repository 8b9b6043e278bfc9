"""Lightning's checkpoints written as dlr writes its records: to a temp file, fsynced, renamed into place.

Lightning's own writer stages a checkpoint in the system's temp directory and moves it over the target; across
filesystems that move is a copy, so a full disk or a kill mid-copy leaves half a ``last.ckpt`` where the
last good one was. Named in ``conf/trainer/default.yaml`` (``plugins``), so it serves every checkpoint callback.
"""

import io
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning.plugins.io import TorchCheckpointIO

from dlr.records import replace_file, unwritable


class AtomicCheckpointIO(TorchCheckpointIO):
    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None
    ) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options, got {storage_options!r}")
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        try:
            replace_file(Path(path), buffer.getbuffer())
        except OSError as error:  # the previous file at `path` is kept whole
            raise unwritable(error, Path(path), "paths.output_dir") from None

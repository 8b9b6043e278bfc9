"""How Lightning writes and reads a dlr run's checkpoints (named in ``conf/trainer/default.yaml``, so it
serves every checkpoint callback and a resumed fit).

Written as dlr writes its records: to a temp file in the checkpoint's own folder, fsynced, renamed into place.
Lightning's own writer stages a checkpoint in the system's temp directory and moves it over the target;
across filesystems that move is a copy, so a full disk or a kill mid-copy left half a ``last.ckpt`` where the
last good one was. Read once, code-free: a resumed fit hands Lightning the path and nothing else reads the
file, through dlr's reader (``weights_only``; a truncated or crafted file is one line naming ``ckpt_path``).
"""

import io
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning.plugins.io import TorchCheckpointIO

from dlr.records import replace_file, unwritable
from dlr.transfer.checkpoint_file import load_checkpoint


class CheckpointFiles(TorchCheckpointIO):
    def load_checkpoint(self, path, map_location=None, weights_only=None) -> dict:
        return load_checkpoint(path)

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

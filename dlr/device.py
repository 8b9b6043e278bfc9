"""The device a run trains on: the accelerator Lightning's Trainer picks for ``trainer.accelerator``, and
what that device is (name, memory), for the console's first lines and the run's ``metrics.json``.

Every device decision in dlr (precision checks, quantization kernels, the stacked launcher, TabPFN) goes
through :func:`accelerator_type`, so none of them can disagree with the Trainer about where the net runs.
It asks Lightning's own accelerator classes, in the order its ``auto`` asks them.
"""

import platform
from pathlib import Path

import psutil
import torch

from dlr import console


def accelerator_type(requested: str) -> str:
    """``cpu``, ``cuda``, ``mps`` or ``tpu``: what the Trainer runs for ``accelerator=requested``."""
    from pytorch_lightning.accelerators import CUDAAccelerator, MPSAccelerator, XLAAccelerator

    requested = str(requested)
    if requested == "auto" and XLAAccelerator.is_available():
        return "tpu"
    if requested in ("auto", "gpu") and MPSAccelerator.is_available():
        return "mps"
    if requested == "gpu" or (requested == "auto" and CUDAAccelerator.is_available()):
        return "cuda"
    return "cpu" if requested == "auto" else requested


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def describe(accelerator: str, devices=1) -> dict:
    """The device ``accelerator`` (a resolved type) names: its name and memory in bytes, and how many the
    run asked for (``trainer.devices``, as given: ``auto`` means every visible one)."""
    listed = [] if isinstance(devices, str | int) else list(devices)  # trainer.devices=[1,3]: those GPUs
    if accelerator == "cuda" and torch.cuda.is_available():
        index = listed[0] if listed else 0
        properties = torch.cuda.get_device_properties(index)
        name, memory = properties.name, properties.total_memory
    elif accelerator == "mps":
        name, memory = f"Apple {platform.machine()} GPU (MPS)", torch.mps.recommended_max_memory()
    elif accelerator == "cpu":
        name, memory = _cpu_name(), psutil.virtual_memory().total
    else:
        name, memory = accelerator, None
    return {"accelerator": accelerator, "name": name, "memory_bytes": memory, "devices": listed or devices}


def line(description: dict) -> str:
    """``device: cuda, NVIDIA H100 80GB HBM3, 85.0 GB memory``."""
    memory = description["memory_bytes"]
    shown = f", {console.human_bytes(memory)} memory" if memory is not None else ""
    count = description["devices"]
    many = f", devices={count}" if count not in (1, "1") else ""
    return f"device: {description['accelerator']}, {description['name']}{shown}{many}"


def announce(trainer_cfg) -> dict:
    """Print the device the run's trainer config resolves to, in one line; return its description."""
    description = describe(accelerator_type(trainer_cfg.accelerator), trainer_cfg.get("devices", 1))
    console.console.print(line(description), highlight=False)
    return description

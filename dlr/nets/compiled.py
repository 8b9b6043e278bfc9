"""``compile=true``: the net through ``torch.compile``, with ``compile_options`` (mode, backend, ...).

``nn.Module.compile`` compiles the module's call in place and leaves the module as it was: its parameters,
submodules and state-dict keys (no ``_orig_mod.`` prefix, which wrapping in ``torch.compile(net)`` would
add). So a compiled run's checkpoint loads into an eager net and back: resume, eval.py, predict.py,
export.py and transfer read it as any other. Only the net is compiled, so batch groups, callbacks and the
task's loss code run as they do eagerly.
"""

import torch
from omegaconf import DictConfig
from torch import nn

from dlr.errors import require

MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
OPTIONS = ("mode", "backend", "dynamic", "fullgraph")


def compiled(net: nn.Module, cfg: DictConfig) -> nn.Module:
    """``net``, compiled in place when ``cfg.compile`` is true (a config without the key: not compiled)."""
    if not cfg.get("compile"):
        return net
    options = dict(cfg.get("compile_options") or {})
    unknown = sorted(set(options) - set(OPTIONS))
    require(not unknown, "compile_options", f"unknown {', '.join(unknown)}; allowed: {', '.join(OPTIONS)}")
    require(
        options.get("mode") in MODES,
        "compile_options.mode",
        f"must be one of {', '.join(map(str, MODES))}, got {options.get('mode')!r}",
    )
    backend = options.get("backend", "inductor")
    require(
        backend in torch.compiler.list_backends(exclude_tags=()),  # debugging backends included
        "compile_options.backend",
        f"must be a torch.compile backend such as {', '.join(torch.compiler.list_backends())}, got {backend!r}",
    )
    net.compile(**options)
    return net

"""Importing Lightning without the 5-10 s of libraries that only torchmetrics' optional metrics use.

Lightning checks torchmetrics' version by importing it, and torchmetrics' ``__init__`` imports every metric
family. The image metrics import torchvision when it is installed (which imports ``torch._dynamo``), the
text metrics transformers, the plotting helpers matplotlib, the audio metrics ``scipy.signal`` (1-3 s:
it imports ``scipy.stats``). dlr's tasks use none of those metrics (only accuracy, means, MAE, R², NRMSE),
so torchmetrics is told these packages are absent: its availability flags, in
``torchmetrics.utilities.imports``, are switched off right after that module runs. Its ``__init__``
imports ``scipy.signal`` too, behind ``package_available("scipy")``, which answers False while that
``__init__`` runs. Nothing else changes: dlr's own code imports torchvision, transformers, matplotlib and
scipy whenever a run needs them.
"""

import contextlib
import importlib.abc
import importlib.util
import sys
from collections.abc import Callable, Iterator
from types import ModuleType

FLAGS_MODULE = "torchmetrics.utilities.imports"
#: Packages torchmetrics need not see; each is imported only by metric families dlr does not use.
HIDDEN_FROM_TORCHMETRICS = ("torchvision", "transformers", "matplotlib", "scienceplots", "scipy")
#: Imported by torchmetrics' ``__init__`` behind ``package_available(...)``, for metrics dlr does not use.
HIDDEN_FROM_TORCHMETRICS_INIT = ("scipy",)


def _switch_off_flags(run_module: Callable[[ModuleType], None], flags_module: ModuleType) -> None:
    run_module(flags_module)
    for value in vars(flags_module).values():
        requirement = getattr(value, "requirement", None)
        if isinstance(requirement, str) and requirement.startswith(HIDDEN_FROM_TORCHMETRICS):
            value.available = False  # RequirementCache caches its answer in `available`


@contextlib.contextmanager
def _packages_look_absent(names: tuple[str, ...]) -> Iterator[None]:
    """While torchmetrics' ``__init__`` runs, ``package_available(name)`` answers False for ``names``."""
    from lightning_utilities.core import imports

    real = imports.package_available
    imports.package_available = lambda name: name not in names and real(name)
    try:
        yield
    finally:
        imports.package_available = real


def _run_init_without_scipy(run_module: Callable[[ModuleType], None], module: ModuleType) -> None:
    with _packages_look_absent(HIDDEN_FROM_TORCHMETRICS_INIT):
        run_module(module)


class _ExecHook(importlib.abc.MetaPathFinder):
    """Finds ``name`` as usual, then runs it through ``hook(run_module, module)`` instead of directly."""

    def __init__(self, name: str, hook: Callable[[Callable[[ModuleType], None], ModuleType], None]) -> None:
        self.name, self.hook = name, hook

    def find_spec(self, name, path, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)  # once; and so the normal finders answer the lookup below
        spec = importlib.util.find_spec(name)
        run_module = spec.loader.exec_module
        spec.loader.exec_module = lambda module: self.hook(run_module, module)
        return spec


HOOKS = {"torchmetrics": _run_init_without_scipy, FLAGS_MODULE: _switch_off_flags}


def install() -> None:
    """Before torchmetrics is first imported; a no-op for a module already imported or hooked."""
    hooked = {f.name for f in sys.meta_path if isinstance(f, _ExecHook)}
    for name, hook in HOOKS.items():
        if name not in sys.modules and name not in hooked:
            sys.meta_path.insert(0, _ExecHook(name, hook))

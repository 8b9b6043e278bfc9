"""Importing Lightning without the 5-10 s of libraries that only torchmetrics' optional metrics use.

Lightning checks torchmetrics' version by importing it, and torchmetrics' ``__init__`` imports every metric
family. The image metrics import torchvision when it is installed (which imports ``torch._dynamo``), the
text metrics transformers, the plotting helpers matplotlib. dlr's tasks use none of those metrics (only
accuracy, means, MAE, R², NRMSE), so torchmetrics is told these packages are absent: its availability
flags, in ``torchmetrics.utilities.imports``, are switched off right after that module runs. Nothing else
changes: dlr's own code imports torchvision, transformers and matplotlib whenever a run needs them.
"""

import importlib.abc
import importlib.util
import sys

FLAGS_MODULE = "torchmetrics.utilities.imports"
#: Packages torchmetrics need not see; each is imported only by metric families dlr does not use.
HIDDEN_FROM_TORCHMETRICS = ("torchvision", "transformers", "matplotlib", "scienceplots")


def _switch_off_flags(flags_module) -> None:
    for value in vars(flags_module).values():
        requirement = getattr(value, "requirement", None)
        if isinstance(requirement, str) and requirement.startswith(HIDDEN_FROM_TORCHMETRICS):
            value.available = False  # RequirementCache caches its answer in `available`


class _FlagsFinder(importlib.abc.MetaPathFinder):
    """Finds torchmetrics' flags module as usual, then runs :func:`_switch_off_flags` after it."""

    def find_spec(self, name, path, target=None):
        if name != FLAGS_MODULE:
            return None
        sys.meta_path.remove(self)  # once; and so the normal finders answer the lookup below
        spec = importlib.util.find_spec(name)
        run_module = spec.loader.exec_module

        def exec_module(module) -> None:
            run_module(module)
            _switch_off_flags(module)

        spec.loader.exec_module = exec_module
        return spec


def install() -> None:
    """Before torchmetrics is first imported; a no-op when it already is."""
    if FLAGS_MODULE not in sys.modules and not any(isinstance(f, _FlagsFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _FlagsFinder())

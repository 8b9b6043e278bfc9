"""dlr: configurable deep-learning research on Hydra and Lightning."""

from dlr.lean_hydra import install as _install_lean_hydra
from dlr.lean_imports import install as _install_lean_imports
from dlr.quick_exit import install as _install_quick_exit
from dlr.resolvers import register as _register_resolvers

_register_resolvers()
_install_lean_imports()
_install_lean_hydra()
_install_quick_exit()

"""dlr: configurable deep-learning research on Hydra and Lightning."""

from dlr.resolvers import register as _register_resolvers

_register_resolvers()

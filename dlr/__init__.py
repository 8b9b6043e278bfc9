"""dlr: configurable deep-learning research on Hydra and Lightning.

Importing dlr registers its ``dlr_*`` OmegaConf resolvers (additive: every process that resolves a dlr
config needs them, sweep workers that import dlr only by unpickling a job included) and changes nothing
else: the start-up patches (``dlr.patches``) are installed by the entry points alone.
"""

from dlr.config.resolvers import register as _register_resolvers

_register_resolvers()

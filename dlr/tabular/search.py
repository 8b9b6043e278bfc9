"""Random hyperparameter search over spaces written in Hydra's sweep grammar.

A space maps a config key to ``interval(a, b)`` (uniform; ``tag(log, interval(a, b))`` log-uniform),
``range(a, b)`` (an integer in ``[a, b)``), ``choice(x, y, ...)`` or a fixed value. These are the strings
Hydra's Optuna sweeper reads in ``hydra.sweeper.params``, so a space can also drive
``python train.py -m hydra/sweeper=optuna ...`` for a single model.
"""

import math
import random

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep

from dlr.errors import ConfigError


def _draw(sweep, rng: random.Random):
    if isinstance(sweep, IntervalSweep):
        low, high = float(sweep.start), float(sweep.end)
        if "log" in sweep.tags:
            return math.exp(rng.uniform(math.log(low), math.log(high)))
        return rng.uniform(low, high)
    if isinstance(sweep, RangeSweep):
        return rng.choice(list(range(int(sweep.start), int(sweep.stop), int(sweep.step or 1))))
    if isinstance(sweep, ChoiceSweep):
        return rng.choice(sweep.list)
    return sweep


def _format(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def sample_overrides(space: dict[str, str], rng: random.Random) -> list[str]:
    """One random point of ``space`` as command-line overrides (``key=value``)."""
    parser = OverridesParser.create()
    overrides = []
    for key, text in space.items():
        try:
            sweep = parser.parse_override(f"{key}={text}").value()
        except Exception as error:
            raise ConfigError(
                "tabular_benchmark.search_spaces", f"{key}: cannot parse {text!r}: {error}"
            ) from None
        overrides.append(f"{key}={_format(_draw(sweep, rng))}")
    return overrides

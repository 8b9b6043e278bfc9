"""A W&B sweep configuration from a Hydra sweep's parameters (``scripts/wandb_sweep.py``).

The search space is read where Hydra's sweepers read it: ``hydra.sweeper.params`` (``hparams_search=optuna``'s
space) and the command line's sweep overrides (``width=16,32,64``), in Hydra's override grammar:

- ``choice(a, b)`` or ``a,b``, and ``range(a, b, step)``: ``values``, the points;
- ``interval(a, b)``: ``distribution: uniform`` with ``min`` and ``max``; ``int_uniform`` when tagged ``int``;
- ``tag(log, interval(a, b))``: ``log_uniform_values`` (``q_log_uniform_values`` with ``q: 1`` tagged ``int``).

Method and metric come from the config. Optuna's sweeper (TPE, a Bayesian method) gives ``bayes``, its
``direction`` as the goal and ``n_trials`` as the run cap; a plain sweep gives ``grid`` when every parameter
is a list of points, else ``random``. The metric is ``optimized_metric`` (``test/acc`` when unset), what
train.py returns to a search.

W&B's agent runs ``train.py`` with the sweep's other overrides, the W&B logger online (so each run reports to
the sweep), and ``${args_no_hyphens}``: ``key=value`` pairs, Hydra's own syntax. Before the file is written,
every command line the sweep can issue (each point of each parameter, the ends and the geometric middle of
each interval; every combination for a grid) is composed and validated as train.py would, so a bad space
fails here, offline, in one line.
"""

import itertools
import math
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import IntervalSweep, Override
from omegaconf import OmegaConf

from dlr.config.compose import compose_config
from dlr.config.validation import validate_config
from dlr.errors import require

METHODS = ("bayes", "random", "grid")
PARAMS = "hydra.sweeper.params."
#: What the agent appends to train.py's fixed overrides: the runs report to W&B, online.
ONLINE_LOGGER = ["logger.wandb.offline=false"]


def _parsed(overrides: list[str]) -> list[Override]:
    return OverridesParser.create().parse_overrides(list(overrides))


def _parameter(override: Override) -> dict:
    value = override.value()
    if not override.is_sweep_override():
        return {"value": value}
    if not isinstance(value, IntervalSweep):  # choice or range: its points
        return {"values": list(override.sweep_iterator())}
    integer, log = "int" in value.tags, "log" in value.tags
    bounds = (
        {"min": int(value.start), "max": int(value.end)}
        if integer
        else {"min": value.start, "max": value.end}
    )
    if log:
        return (
            {"distribution": "q_log_uniform_values", "q": 1, **bounds}
            if integer
            else {
                "distribution": "log_uniform_values",
                **bounds,
            }
        )
    return {"distribution": "int_uniform" if integer else "uniform", **bounds}


def _respaces(override: Override) -> bool:
    return override.get_key_element().startswith(PARAMS)


def _is_for_the_launch(override: Override) -> bool:
    """Overrides that choose how Hydra searches, which the agent's single runs must not repeat."""
    key = override.get_key_element().lstrip("+~")
    return key.startswith("hydra.") or key.startswith("hydra/") or key == "hparams_search"


def sweep_configuration(overrides: list[str], method: str | None = None) -> dict:
    """The W&B sweep configuration of ``python train.py -m <overrides>``."""
    parsed = _parsed(overrides)
    # `hydra.sweeper.params.<key>=<space>` on the command line replaces that key's space, as for Optuna.
    respaced = {
        o.get_key_element().removeprefix(PARAMS): o.input_line.split("=", 1)[1]
        for o in parsed
        if _respaces(o)
    }
    parsed = [o for o in parsed if not _respaces(o)]
    swept = [o for o in parsed if o.is_sweep_override()]
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    cfg = compose_config(
        fixed, "outputs/wandb_sweep"
    )  # what composes is the space's base; nothing is written
    sweeper = HydraConfig.get().sweeper
    params = {**(OmegaConf.to_container(sweeper.params) if sweeper.get("params") else {}), **respaced}
    space = [*_parsed([f"{k}={v}" for k, v in params.items()]), *swept]
    require(
        bool(space),
        "hydra.sweeper.params",
        "no parameter to sweep: give one (width=16,32) or hparams_search=optuna",
    )
    parameters = {o.get_key_element(): _parameter(o) for o in space}
    optuna = "optuna" in str(sweeper.get("_target_", ""))
    discrete = all("values" in p or "value" in p for p in parameters.values())
    method = method or ("bayes" if optuna else "grid" if discrete else "random")
    require(method in METHODS, "method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    require(method != "grid" or discrete, "method", "grid needs every parameter as points (choice, range)")
    metric = cfg.get("optimized_metric") or "test/acc"
    direction = sweeper.get("direction", "maximize" if metric.endswith("acc") else "minimize")
    require(
        direction in ("maximize", "minimize"), "hydra.sweeper.direction", f"one metric only, got {direction}"
    )
    runs_with = [o.input_line for o in parsed if not (o.is_sweep_override() or _is_for_the_launch(o))]
    if "wandb" not in (cfg.get("logger") or {}):
        runs_with.append("logger=wandb")
    configuration = {
        "program": "train.py",
        "method": method,
        "metric": {"name": metric, "goal": direction},
        "parameters": parameters,
        "command": [
            "${env}",
            "${interpreter}",
            "${program}",
            *runs_with,
            *ONLINE_LOGGER,
            "${args_no_hyphens}",
        ],
        "project": str(
            compose_config([*runs_with, *ONLINE_LOGGER], "outputs/wandb_sweep").logger.wandb.project
        ),
    }
    if optuna and sweeper.get("n_trials"):
        configuration["run_cap"] = int(sweeper.n_trials)
    return configuration


def _points(parameter: dict) -> list:
    if "value" in parameter:
        return [parameter["value"]]
    if "values" in parameter:
        return parameter["values"]
    low, high = parameter["min"], parameter["max"]
    middle = math.sqrt(low * high) if "log" in parameter["distribution"] else (low + high) / 2
    return [low, round(middle) if isinstance(low, int) else middle, high]


def command_lines(configuration: dict) -> list[list[str]]:
    """The train.py arguments of the runs the sweep can issue: every combination for a grid; otherwise each
    point of each parameter in turn, the others at their first point."""
    fixed = [c for c in configuration["command"][3:] if c != "${args_no_hyphens}"]
    names = list(configuration["parameters"])
    points = [_points(configuration["parameters"][name]) for name in names]
    if configuration["method"] == "grid":
        chosen = list(itertools.product(*points))
    else:
        first = [p[0] for p in points]
        chosen = [first] + [[*first[:i], v, *first[i + 1 :]] for i, p in enumerate(points) for v in p[1:]]
    return [
        [*fixed, *(f"{name}={value}" for name, value in zip(names, values, strict=True))] for values in chosen
    ]


def check_command_lines(configuration: dict) -> int:
    """Compose and validate each of ``command_lines``, as train.py would; how many there were."""
    lines = command_lines(configuration)
    for arguments in lines:
        validate_config(compose_config(arguments, "outputs/wandb_sweep"), arguments)
    return len(lines)


def write_sweep(overrides: list[str], path: Path, method: str | None = None) -> tuple[dict, int]:
    """Write the sweep configuration to ``path`` once every command line it can issue is valid."""
    import yaml

    configuration = sweep_configuration(overrides, method)
    checked = check_command_lines(configuration)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(configuration, sort_keys=False))
    return configuration, checked

"""One schema pass over the composed config, before anything is built: every value a user can set is checked.

Why a pass over the composed config and not Hydra structured configs: dlr's groups hold ~45 models and ~30
datasets whose options are the constructor arguments of their ``_target_``; a dataclass per YAML would be a
second copy of every signature, and a structured config turns ``seed=abc`` into an OmegaConf traceback rather
than our one line. Keys mean the same in every group (``batch_size``, ``lr``, ``*_fraction``), so rules keyed by
the key's name cover all of them at once, and a new config inherits its checks by naming its keys well.

Imports stay light (stdlib, omegaconf): ``train.py width=0`` must answer before Lightning is imported. The
one exception: a ``+group.key=value`` on a node with ``_target_`` imports that target to read its signature.
"""

import difflib
import functools
import inspect
import math
import re
from collections.abc import Callable, Iterator

from omegaconf import DictConfig, ListConfig, OmegaConf

from dlr.config.compose import CONF_DIR
from dlr.errors import ConfigError, require

Rule = Callable[[str, object], None]
INF = math.inf


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer_at_least(low: int, nullable: bool = False, also: tuple = ()) -> Rule:
    allowed = f"an integer >= {low}" + "".join(f" or {a}" for a in also) + (" or null" if nullable else "")

    def check(key: str, value) -> None:
        ok = (value is None and nullable) or value in also or (_integer(value) and value >= low)
        require(ok, key, f"must be {allowed}, got {value!r}")

    return check


def number_in(
    low: float, high: float, low_open: bool = False, high_open: bool = False, nullable=False
) -> Rule:
    if high == INF:
        allowed = f"{'>' if low_open else '>='} {low:g}"
    else:
        allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    allowed += " or null" if nullable else ""

    def check(key: str, value) -> None:
        if value is None and nullable:
            return
        ok = _number(value) and (value > low if low_open else value >= low)
        ok = ok and (value < high if high_open else value <= high)
        require(ok, key, f"must be {allowed}, got {value!r}")

    return check


def one_of(*choices, nullable: bool = False) -> Rule:
    allowed = ", ".join(map(str, choices)) + (", null" if nullable else "")

    def check(key: str, value) -> None:
        require(
            (value is None and nullable) or value in choices, key, f"must be one of {allowed}; got {value!r}"
        )

    return check


def betas(key: str, value) -> None:
    ok = isinstance(value, list | tuple | ListConfig) and len(value) == 2
    require(
        ok and all(_number(b) and 0 <= b < 1 for b in value),
        key,
        f"must be two numbers in [0, 1), got {value}",
    )


def batch_limit(key: str, value) -> None:
    """Lightning's ``limit_*_batches`` and ``overfit_batches``: a fraction of the batches, or a count."""
    ok = value is None or (_integer(value) and value >= 0) or (_number(value) and 0 <= value <= 1)
    require(ok, key, f"must be null, a fraction in [0, 1] or a batch count >= 0, got {value!r}")


def fast_dev_run(key: str, value) -> None:
    ok = isinstance(value, bool) or (_integer(value) and value >= 0)
    require(ok, key, f"must be true, false or a batch count >= 0, got {value!r}")


POSITIVE = number_in(0, INF, low_open=True, high_open=True)
NON_NEGATIVE = number_in(0, INF, high_open=True)
FRACTION = number_in(0, 1, high_open=True)
SEED = integer_at_least(0)
COUNT = integer_at_least(1)

# Rules by the key's last name, in any group. The first pattern that matches the whole name applies.
BY_NAME: list[tuple[str, Rule]] = [
    (r"(.*_)?seed", SEED),
    (r"(eval_)?batch_size", COUNT),
    (r"lr|eps|optimizer_eps|alpha|mem_gb|timeout_min|noise_var|tau|gamma", POSITIVE),
    (r"weight_decay|eta_min|min_delta|gradient_clip_val|noise|feature_noise|every_s", NON_NEGATIVE),
    (r"momentum|dropout|label_noise|val_fraction|max_missing_fraction", FRACTION),
    (r"test_fraction|train_split", number_in(0, 1, low_open=True, high_open=True)),
    (r"betas", betas),
    (r"num_samples|n_train|n_per_class|n_train_per_class|num_train|num_test", integer_at_least(1, True)),
    (r"step_size|T_max|r|log_every_n_steps|check_val_every_n_epoch|accumulate_grad_batches", COUNT),
    (r"cpus_per_task|tasks_per_node|nodes|array_parallelism|num_nodes|flush_logs_every_n_steps", COUNT),
    (r"patience", integer_at_least(0)),
    (r"save_top_k", integer_at_least(-1)),
    (r"num_sanity_val_steps", integer_at_least(-1)),
    (r"max_epochs", integer_at_least(1, also=(-1,))),
    (r"min_epochs", integer_at_least(0, nullable=True)),
    (r"limit_(train|val|test|predict)_batches|overfit_batches", batch_limit),
    (r"mode", one_of("min", "max")),
    (r"fast_dev_run", fast_dev_run),
    (r"group_size", one_of(32, 64, 128, 256, nullable=True)),
]

# The groups whose keys are constructor arguments. An experiment's own nodes (transfer_study,
# tabular_benchmark, study) hold overrides and search spaces for other runs, which check them when they run.
RULED_GROUPS = ("data", "model", "optimizer", "scheduler", "trainer", "callbacks", "logger", "precision")
RULED_GROUPS += ("quantization", "transfer")

# Where a rule's name is ambiguous, the group decides (``mode`` of a callback vs of bitsandbytes).
SKIP = {"quantization.mode"}

PRECISIONS = ("32-true", "32", "64-true", "64", "bf16-mixed", "bf16-true", "16-mixed", "16-true")
TOP_LEVEL: dict[str, Rule] = {
    "seed": SEED,
    "width": COUNT,
    # depth=0 is a real model for some nets (mlp: logistic regression); each net refuses what it cannot build.
    "depth": integer_at_least(0),
    "torch_threads": integer_at_least(1, nullable=True, also=("auto",)),
    "resume_sweep": one_of(True, False),
    "compile": one_of(True, False),
}


def _walk(node: dict, prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _walk(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _resolved(cfg: DictConfig) -> list[tuple[str, object]]:
    try:
        return list(_walk(OmegaConf.to_container(cfg, resolve=True)))
    except Exception as error:  # an interpolation that names a missing key, a bad resolver argument
        key = getattr(error, "full_key", "") or "config"
        reason = str(getattr(error, "msg", error)).splitlines()[0]
        raise ConfigError(str(key), f"cannot be resolved: {reason}") from None


def check_values(cfg: DictConfig, launcher: DictConfig | None = None) -> None:
    """Every leaf whose name has a rule, in every group, then the top-level keys and the launcher."""
    if launcher is not None:
        check_launcher(launcher)
    leaves = _resolved(cfg)
    for key, rule in TOP_LEVEL.items():
        if key in cfg:
            rule(key, dict(leaves)[key])
    for key in ("train", "test"):
        if key in cfg:
            require(isinstance(cfg[key], bool), key, f"must be true or false, got {cfg[key]!r}")
    require(
        isinstance(cfg.get("task_name"), str) and bool(cfg.get("task_name")),
        "task_name",
        f"must be a non-empty name, got {cfg.get('task_name')!r}",
    )
    ckpt = cfg.get("ckpt_path")
    require(
        ckpt is None or isinstance(ckpt, str), "ckpt_path", f"must be null, last or a file path, got {ckpt!r}"
    )
    for key, value in leaves:
        if key.split(".")[0] in RULED_GROUPS and key not in SKIP:
            _apply_name_rules(key, value)
    if "trainer" in cfg and "precision" in cfg.trainer:
        one_of(*PRECISIONS)("trainer.precision", str(cfg.trainer.precision))


def _apply_name_rules(key: str, value) -> None:
    name = key.rsplit(".", 1)[-1]
    if ".zoo." in f".{key}" or value is None:  # zoo: documentation of a model; null: the default
        return
    for pattern, rule in BY_NAME:
        if re.fullmatch(pattern, name):
            rule(key, value)
            return


def check_launcher(launcher: DictConfig) -> None:
    """Options of Hydra's launcher plugins (``hydra.launcher.*``); they run before any job starts."""
    # One key at a time: some of them interpolate ``hydra.sweep.dir``, which a job's config no longer holds.
    launcher_keys = ("n_jobs", "backend", "timeout_min", "mem_gb", "cpus_per_task", "tasks_per_node", "nodes")
    for name in (*launcher_keys, "array_parallelism"):
        if name not in launcher:
            continue
        value, key = launcher[name], f"hydra.launcher.{name}"
        if name == "n_jobs":
            ok = _integer(value) and value != 0 and value >= -1
            require(ok, key, f"must be an integer >= 1 or -1 (one per core), got {value!r}")
        elif name == "backend" and value is not None:
            one_of("loky", "multiprocessing", "threading")(key, value)
        else:
            _apply_name_rules(key, value)


def check_added_keys(cfg: DictConfig, overrides: list[str]) -> None:
    """A ``+key=value`` that nothing reads is a typo: refuse it, naming the nearest existing key."""
    known = [key for key, _ in _walk(OmegaConf.to_container(cfg, resolve=False))]
    for override in overrides:
        if not override.startswith("+") or override.startswith("++"):
            continue
        key = override[1:].split("=", 1)[0].strip()
        if _is_read(cfg, key):
            continue
        nearest = difflib.get_close_matches(key, [k for k in known if k != key], n=1, cutoff=0.5)
        hint = f"; did you mean {nearest[0]}?" if nearest else ""
        raise ConfigError(key, f"is not a key any part of dlr reads (added with +){hint}")


def _is_read(cfg: DictConfig, key: str) -> bool:
    parts = key.split(".")
    if len(parts) == 1 and (CONF_DIR / key).is_dir():  # a config group, such as +debug=limit
        return True
    if key in shipped_keys() or parts[-1].startswith("_"):  # another option sets it; Hydra's _target_, ...
        return True
    added = OmegaConf.select(cfg, key)
    if isinstance(added, DictConfig) and "_target_" in added:  # a whole new object, e.g. a callback
        return True
    parent = OmegaConf.select(cfg, ".".join(parts[:-1])) if len(parts) > 1 else None
    return isinstance(parent, DictConfig) and "_target_" in parent and _accepts(parent._target_, parts[-1])


@functools.cache
def shipped_keys() -> frozenset[str]:
    """Every key some shipped config sets, as a full path: what dlr's code is written to read."""
    keys = set()
    for path in CONF_DIR.rglob("*.yaml"):
        text = path.read_text()
        group = path.parent.relative_to(CONF_DIR).as_posix()
        prefix = "" if "@package _global_" in text or group == "." else f"{group.replace('/', '.')}."
        loaded = OmegaConf.to_container(OmegaConf.create(text), resolve=False)
        if isinstance(loaded, dict):
            keys.update(f"{prefix}{k}" for k, _ in _walk(loaded) if not k.startswith("defaults"))
    return frozenset(keys)


def _accepts(target: str, name: str) -> bool:
    """Whether ``name`` is a parameter of the target, following ``**kwargs`` up a class's bases."""
    from hydra.utils import get_object

    built = get_object(target)
    for function in [c.__init__ for c in built.__mro__] if inspect.isclass(built) else [built]:
        try:
            parameters = inspect.signature(function).parameters
        except (ValueError, TypeError):  # a builtin without a signature: let its constructor judge
            return True
        if name in parameters:
            return True
        if inspect.Parameter.VAR_KEYWORD not in {p.kind for p in parameters.values()}:
            return False
    return False


def check_width_is_read(cfg: DictConfig, overrides: list[str]) -> None:
    """A ``width=`` override that the model and its data never read would give identical runs: refuse it."""
    widths = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") == "width"]
    if not widths or "model" not in cfg:
        return
    groups = [
        OmegaConf.to_container(cfg[group], resolve=False) for group in ("model", "data") if group in cfg
    ]
    require(
        "${width}" in repr(groups),
        "width",
        f"model={cfg.model.get('name')} does not read width (its size is set by its own model.net options); "
        f"drop {widths[0]}",
    )


def validate_config(cfg: DictConfig, overrides: list[str] = (), launcher: DictConfig | None = None) -> None:
    check_added_keys(cfg, list(overrides))
    check_width_is_read(cfg, list(overrides))
    check_values(cfg, launcher)

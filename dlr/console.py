"""What a person sees: the config in two lines at the start, the final metrics as a table at the end.

The whole resolved config goes to ``config_resolved.yaml`` in the run directory instead of the console.
When stdout is not a terminal (a log file, a pipe), lines are not wrapped at 80 columns.
"""

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

console = Console(soft_wrap=not sys.stdout.isatty())
error_console = Console(stderr=True)

RESOLVED_CONFIG_NAME = "config_resolved.yaml"
#: Hydra's own groups and dlr's plumbing: what a run composes from them is not a research choice.
UNSHOWN_GROUPS = ("hydra", "paths", "launcher")


def human_bytes(count: float) -> str:
    """914 MB, 60.8 KB: decimal units, three significant digits."""
    if abs(count) < 1000:
        return f"{int(count)} B"
    for unit in ("KB", "MB", "GB", "TB"):
        count /= 1000
        if abs(count) < 999.5 or unit == "TB":
            return f"{count:.3g} {unit}"


def chosen_groups(cfg: DictConfig) -> dict[str, str]:
    """Each group's option, in the config's order (experiment, debug, ... that merge into it, last)."""
    choices = HydraConfig.get().runtime.choices
    shown = [g for g, o in choices.items() if o is not None and g.split("/")[0] not in UNSHOWN_GROUPS]
    order = list(cfg)
    shown.sort(key=lambda group: order.index(group) if group in order else len(order))
    return {group: str(choices[group]) for group in shown}


def changed_keys(cfg: DictConfig) -> dict[str, object]:
    """The command line's key=value overrides (not group choices), with their resolved values."""
    hydra_cfg = HydraConfig.get()
    changed = {}
    for override in hydra_cfg.overrides.task:
        key = override.split("=", 1)[0].lstrip("+~")
        if "=" in override and key not in hydra_cfg.runtime.choices:
            changed[key] = OmegaConf.select(cfg, key, default=None)
    return changed


def print_config_tree(cfg: DictConfig) -> None:
    """Two lines: the option of each group, then the keys set on the command line; the rest to a file."""
    console.print("config: " + " ".join(f"{g}={o}" for g, o in chosen_groups(cfg).items()), highlight=False)
    changed = changed_keys(cfg)
    if changed:
        console.print("changed: " + " ".join(f"{k}={v}" for k, v in changed.items()), highlight=False)
    path = Path(cfg.paths.output_dir) / RESOLVED_CONFIG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(OmegaConf.to_yaml(cfg, resolve=True))
    console.print(f"full config: {path}", highlight=False)


def print_metrics_table(
    metrics: dict[str, float], run_dir: str, spread: dict[str, float] | None = None
) -> None:
    """``spread``: a standard deviation per metric, shown as ``value ± std`` (k-fold means)."""
    table = Table(title="final metrics", show_lines=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        shown = human_bytes(value) if name.endswith("_bytes") else f"{value:.6g}"
        if spread is not None:
            shown += f" ± {spread[name]:.2g}"
        table.add_row(name, shown)
    console.print(table)
    console.print(f"run directory: [bold]{run_dir}[/]")


def print_error(message: str) -> None:
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def to_stderr() -> Iterator[None]:
    """What is printed inside (config lines, metrics tables, summaries) goes to stderr.

    A script's stdout then carries only its JSON result, ready for ``json.loads``. ``console`` follows
    ``sys.stdout`` at each print, so it is redirected too.
    """
    with contextlib.redirect_stdout(sys.stderr):
        yield

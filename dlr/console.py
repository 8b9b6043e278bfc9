"""What a person sees: the composed config as a tree at the start, the final metrics as a table at the end."""

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

console = Console()
error_console = Console(stderr=True)

FIRST_GROUPS = ("data", "model", "optimizer", "scheduler", "trainer")


def print_config_tree(cfg: DictConfig) -> None:
    tree = Tree("config", guide_style="dim")
    ordered = [k for k in FIRST_GROUPS if k in cfg] + [k for k in cfg if k not in FIRST_GROUPS]
    for key in ordered:
        value = cfg[key]
        if isinstance(value, DictConfig):
            tree.add(f"[bold]{key}[/]").add(OmegaConf.to_yaml(value, resolve=False).rstrip() or "{}")
        else:
            tree.add(f"[bold]{key}[/]: {value}")
    console.print(tree)


def print_metrics_table(
    metrics: dict[str, float], run_dir: str, spread: dict[str, float] | None = None
) -> None:
    """``spread``: a standard deviation per metric, shown as ``value ± std`` (k-fold means)."""
    table = Table(title="final metrics", show_lines=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        shown = f"{value:.6g}" if spread is None else f"{value:.6g} ± {spread[name]:.2g}"
        table.add_row(name, shown)
    console.print(table)
    console.print(f"run directory: [bold]{run_dir}[/]")


def print_error(message: str) -> None:
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)

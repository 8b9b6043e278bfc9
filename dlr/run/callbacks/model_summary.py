"""The model summary printed when a fit starts: the task's modules as name, type and parameters.

Lightning's table adds a FLOPs column (0 unless an example input is set), a train/eval mode column, the
metric accumulators (no parameters), and parameter totals that the run prints once already.
"""

from pytorch_lightning.callbacks import ModelSummary
from rich.table import Table

from dlr import console

SHOWN_COLUMNS = ("Name", "Type", "Params")
#: Modules with no parameters that every task holds: its metrics, gathered over an epoch.
HIDDEN_MODULES = ("epoch_metrics",)


class NetSummary(ModelSummary):
    @staticmethod
    def summarize(summary_data: list[tuple[str, list[str]]], *totals, **kwargs) -> None:
        columns = dict(summary_data)
        table = Table(title="model", title_justify="left", box=None, pad_edge=False)
        for name in SHOWN_COLUMNS:
            table.add_column(name.lower(), justify="right" if name == "Params" else "left")
        for row in zip(*(columns[name] for name in SHOWN_COLUMNS), strict=True):
            if row[0].split(".")[-1] not in HIDDEN_MODULES:
                table.add_row(*row)
        console.console.print(table)

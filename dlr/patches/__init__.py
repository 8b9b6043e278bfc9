"""The one quarantine for what reaches into other libraries' behaviour or private state.

:func:`install_entry_point_patches` is called by ``train.py``, ``eval.py`` and ``predict.py``, never by
``import dlr``: a notebook or a library that imports dlr keeps torchmetrics, Hydra and the interpreter's
exit as they are.
"""


def install_entry_point_patches() -> None:
    """The start-up trims of a command-line run: before torch, Lightning or W&B load."""
    from dlr.patches import lean_hydra, lean_imports, quick_exit

    lean_imports.install()
    lean_hydra.install()
    quick_exit.install()

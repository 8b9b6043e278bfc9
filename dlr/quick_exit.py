"""A run's process ends without one last sweep of the garbage collector over everything it imported.

At exit, the interpreter collects garbage once more, walking every tracked object: with torch, Lightning and
``torch._dynamo`` imported that is a few hundred thousand, about 0.3 s of a default run on a quiet machine. The
memory goes back to the OS either way. ``gc.freeze`` at exit moves those objects out of the collector's sight;
Python never promised ``__del__`` to objects alive at exit, and dlr closes its files itself (records, loggers,
checkpoints are written and closed by the run, not by finalizers).
"""

import atexit
import gc


def install() -> None:
    """Registered on ``import dlr``, before torch, Lightning or W&B load: it runs after their exit handlers."""
    atexit.register(gc.freeze)

"""Each metric logged once per step: the step's metrics are written together, when the next step begins.

Lightning writes validation's and training's epoch metrics in two calls at the same step and adds ``epoch``
to each, so a chart showed two points per step; it also writes a test's metrics in a call of their own.
Holding a step's metrics until the step changes (or the logger is finalized) writes each one once, on the
optimizer-step axis, with ``epoch`` once. Lightning's ``save()`` after each call then writes what is done.
"""


class OncePerStep:
    """Mixed in before a Lightning logger class (``class X(OncePerStep, CSVLogger)``)."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        pending = self.__dict__.setdefault("_step_metrics", {})
        if pending and step != self._step:
            self.write_step()
        pending.update(metrics)
        self._step = step

    def write_step(self) -> None:
        pending = self.__dict__.get("_step_metrics")
        if pending:
            super().log_metrics(dict(pending), self._step)
            pending.clear()

    def finalize(self, status: str) -> None:
        self.write_step()
        super().finalize(status)

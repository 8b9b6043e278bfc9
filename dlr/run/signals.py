"""SIGTERM, SIGINT (Ctrl-C) and the cluster's requeue signals: stop at an epoch boundary, save, say so.

While a run trains, the first signal asks it to stop at the end of the current epoch: ``LastCheckpoint``
writes ``last.ckpt`` there and ends the fit, and the run records ``interrupted`` and exits ``128 + signal``.
Stopping at a boundary is what makes resume exact: Lightning cannot resume bit-identically from inside an
epoch. A second signal stops at once; ``last.ckpt`` is then the one written every ``every_s`` seconds.
Outside training (building data, testing) the first signal stops at once.

SLURM preemption takes the same path: submitit's timeout signal (SIGUSR2) and Lightning's requeue signal
(SIGUSR1) stop the run the same way, and the handler that was installed before the run (submitit's, which
requeues the job) is then called, so the requeued job resumes from the interrupted record's checkpoint.
"""

import signal
import threading
from types import FrameType

from dlr import console

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2)


class RunInterrupted(BaseException):
    """A BaseException, like KeyboardInterrupt, so no ``except Exception`` on the way swallows it."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class StopRequests:
    """Installed for the whole run; ``graceful`` is true while the fit can stop at the next epoch end."""

    def __init__(self):
        self.requested: int | None = None
        self.graceful = False
        self.previous: dict[int, object] = {}
        self.depth = 0  # a study's runs nest inside its own run
        # What Lightning installed when the fit started (its SLURM auto-requeue on SIGUSR1).
        self.in_fit: dict[int, object] = {}

    def install(self) -> None:
        self.depth += 1
        if self.depth == 1:
            self.requested = None
        self.reclaim()

    def reclaim(self) -> None:
        """Take the signals back from Lightning, which installs its own when a fit starts."""
        if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
            return
        for signum in STOP_SIGNALS:
            current = signal.getsignal(signum)
            if signum in self.previous and current not in (self.previous[signum], self._handle):
                self.in_fit[signum] = current  # installed since the run started: Lightning's
            self.previous.setdefault(signum, current)
            signal.signal(signum, self._handle)

    def restore(self) -> None:
        self.depth -= 1
        self.graceful = False
        self.in_fit.clear()
        if self.depth > 0:
            return
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.graceful and self.requested is None:
            self.requested = signum
            console.print_error(f"{name}: stopping at the end of this epoch; send it again to stop now")
            return
        raise RunInterrupted(signum)

    def forward(self, signum: int, during_fit: bool = False) -> None:
        """Hand a requeue signal on: during the fit to Lightning's SLURM auto-requeue, which saves through
        the live trainer; after the run to the handler installed before it (submitit's requeue)."""
        handler = (self.in_fit if during_fit else self.previous).get(signum)
        if signum in (signal.SIGUSR1, signal.SIGUSR2) and callable(handler):
            handler(signum, None)


# One per process: the run installs it, the checkpoint writer reads it.
STOPS = StopRequests()

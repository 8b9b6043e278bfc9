"""SIGTERM to a sweep's launching process alone reaches the processes running its jobs too.

``kill <pid>``, or a scheduler that signals only the main process, would otherwise end the launcher and
leave its joblib (loky) or stacked workers training as orphans, writing into the runs that a rerun of
the same command resumes (and holding their run locks). Installed in the launching process as a multirun
starts (:class:`~dlr.studies.hydra_callback.SweepCallback`): the handler hands SIGTERM on to every
descendant process, where a run stops at its epoch end and records ``interrupted``, then ends the launcher
as SIGTERM would have. Ctrl-C needs nothing of this: a terminal sends SIGINT to the whole process group.
A SIGKILL cannot be handed on; the stacked workers ask the kernel for SIGTERM when their launcher ends
(:func:`~dlr.experiments.stacked.launch.start_workers`).
"""

import os
import signal

import psutil


def hand_sigterm_to_descendants() -> None:
    """From now on, SIGTERM to this process is sent on to its descendants before this process ends."""
    launcher, previous = os.getpid(), signal.getsignal(signal.SIGTERM)

    def hand_on(signum: int, _frame) -> None:
        signal.signal(signum, previous)
        if os.getpid() == launcher:  # a forked worker inherits this handler, and is no launcher
            for process in psutil.Process().children(recursive=True):
                try:
                    process.send_signal(signum)
                except psutil.NoSuchProcess:
                    pass
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, hand_on)

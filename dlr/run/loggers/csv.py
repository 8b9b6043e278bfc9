"""A CSV logger that survives processes which do not share its state (DDP with spawned ranks), each metric
once per step (dlr.run.loggers.once_per_step)."""

import csv

from lightning_fabric.loggers.logger import rank_zero_experiment
from pytorch_lightning.loggers import CSVLogger as LightningCSVLogger
from pytorch_lightning.loggers.csv_logs import ExperimentWriter

from dlr.run.loggers.once_per_step import OncePerStep


class _FileHeaderWriter(ExperimentWriter):
    """Takes the columns of ``metrics.csv`` from the file itself, not only from what this process logged.

    Spawned DDP ranks fit, then the main process spawns new ranks to test. Each starts from the logger as
    the main process pickled it, which never saw fit's columns; Lightning's writer would then rewrite or
    append to the file with a header that lacks them and fail ("dict contains fields not in fieldnames").
    """

    def save(self) -> None:
        if self.metrics and self._fs.isfile(self.metrics_file_path):
            with self._fs.open(self.metrics_file_path, "r", newline="") as file:
                header = next(csv.reader(file), [])
            keys = sorted(set(header).union(self.metrics_keys, *self.metrics))
            if keys != header:
                self._rewrite_with_new_header(keys)
            self.metrics_keys = keys
        super().save()


class CSVLogger(OncePerStep, LightningCSVLogger):
    @property
    @rank_zero_experiment  # other ranks get a no-op writer, as with Lightning's CSVLogger
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _FileHeaderWriter(log_dir=self.log_dir)
        return self._experiment

"""Pictures a run writes (samples, reconstructions, prototypes: PNGs in its directory) sent to the
experiment trackers too, so they appear in TensorBoard's Images tab and in the W&B run.

Tasks write their pictures as files, wherever they make them; this callback looks for new PNGs when the
fit and the test end, and logs each once, named after its file, at the step reached.
"""

from pathlib import Path

import numpy as np
import pytorch_lightning as pl
from pytorch_lightning.loggers import TensorBoardLogger, WandbLogger


class PicturesToLoggers(pl.Callback):
    def __init__(self, run_dir: str):
        self.run_dir = Path(run_dir)
        self.logged: set[Path] = set()

    def _log_new_pictures(self, trainer: pl.Trainer) -> None:
        if not trainer.is_global_zero:
            return
        new = sorted(p for p in self.run_dir.glob("*.png") if p not in self.logged)
        for path in new:
            from PIL import Image  # only for runs that made a picture

            for logger in trainer.loggers:
                if isinstance(logger, TensorBoardLogger):
                    pixels = np.asarray(Image.open(path).convert("RGB"))
                    logger.experiment.add_image(path.stem, pixels, trainer.global_step, dataformats="HWC")
                elif isinstance(logger, WandbLogger):
                    logger.log_image(key=path.stem, images=[str(path)], step=trainer.global_step)
            self.logged.add(path)

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._log_new_pictures(trainer)

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._log_new_pictures(trainer)

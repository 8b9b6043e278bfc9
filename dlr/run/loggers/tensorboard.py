"""Lightning's TensorBoard logger, each metric once per step (dlr.run.loggers.once_per_step)."""

from pytorch_lightning.loggers import TensorBoardLogger as LightningTensorBoardLogger

from dlr.run.loggers.once_per_step import OncePerStep


class TensorBoardLogger(OncePerStep, LightningTensorBoardLogger):
    pass

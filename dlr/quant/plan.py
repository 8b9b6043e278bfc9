"""What ``precision=`` and ``quantization=`` add to one training run, in the order the run needs it.

Before training: check the precision against the accelerator and transform the net as the quantization
method says (``dlr.quant.methods``); once the task is built, print the memory estimate. After testing: the
method's report (quantized against float) and the memory measured while training.
"""

from omegaconf import DictConfig
from torch import nn

from dlr import console
from dlr.quant import memory
from dlr.quant.methods import Quantization, input_batch
from dlr.quant.precision import accelerator_of, check_precision
from dlr.transforms import NetTransform


class QuantPlan:
    def __init__(self, cfg: DictConfig, method: Quantization):
        self.precision = check_precision(cfg)
        self.device = accelerator_of(cfg)
        self.method = method
        self.monitor = memory.MemoryMonitor()
        self.estimate: dict[str, int | None] = {}
        self.batch = None

    def transform(self, net: nn.Module, datamodule) -> NetTransform:
        """The method's transform of ``net``, with the callback that measures memory while training."""
        transformed = self.method.transform(net, self.device)
        # The estimate's batch, drawn now: once the task is built, the train loader may hand out groups.
        self.batch = input_batch(datamodule.train_dataloader(), transformed.net)
        return NetTransform(net, callbacks=[self.monitor]).then(transformed)

    def announce_estimate(self, task) -> None:
        """Estimate (and print) the memory training ``task`` takes, from one batch of the train split."""
        self.estimate = memory.estimate(task, task.optimizer_factory, self.precision, self.batch)
        parts = ", ".join(f"{k} {memory.human(v)}" for k, v in self.estimate.items())
        console.console.print(f"memory estimate ({self.precision}, quantization={self.method.name}): {parts}")

    def estimate_metrics(self) -> dict[str, float]:
        return {f"memory/estimate/{k}_bytes": float(v) for k, v in self.estimate.items() if v is not None}

    def log_estimate(self, trainer) -> None:
        for logger in trainer.loggers:
            logger.log_metrics(self.estimate_metrics(), step=0)

    def finish(self, trainer, task, datamodule, test_metrics: dict, run_dir: str) -> dict[str, float]:
        """After testing: the quantization report and the measured memory, as metrics for metrics.json."""
        out = self.estimate_metrics()
        if any(key.startswith("test/") for key in test_metrics):
            out.update(self.method.report(trainer, task, datamodule, test_metrics, run_dir, self.device))
        measured = {f"memory/measured/{k}_bytes": float(v) for k, v in self.monitor.measured.items()}
        if measured:
            console.console.print(
                "memory measured: "
                + ", ".join(f"{k} {memory.human(v)}" for k, v in self.monitor.measured.items())
            )
        return {**out, **measured}

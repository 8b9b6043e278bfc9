"""The flow behind ``predict.py``: rebuild the run stored in a checkpoint, predict, write the predictions.

The checkpoint is a Lightning run's ``.ckpt`` or an estimator run's ``checkpoints/estimator.skops`` (trees,
boosting, TabPFN). Two inputs: a new table (``data=csv data.path=new.csv``), encoded with the preprocessing
the training run fitted, written back as CSV with the prediction columns appended; or a split of the run's
own data (``split=test``), written as ``predictions.npy``, plus a PNG grid when the outputs are images.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from dlr import console
from dlr.data.base import CLASSIFICATION, TensorDataModule
from dlr.errors import require
from dlr.records import write_atomically
from dlr.run.checkpoints.find import resolve_checkpoint
from dlr.run.context import NOTHING_TO_RESUME, RunContext, run_recorded
from dlr.tasks import from_config

SPLITS = ("train", "val", "test")
#: Table probes that draw new random columns or a random rotation: new rows could not be encoded alike.
RANDOM_PROBES = ("uninformative_features", "rotate")


@dataclass
class TrainedModel:
    """What predicting needs of a training run, whether a Lightning net or a fitted estimator."""

    ckpt_path: Path
    config: DictConfig
    datamodule: TensorDataModule
    #: Encoded inputs -> class probabilities (classification) or outputs (regression, images).
    outputs: Callable[[torch.Tensor], torch.Tensor]


@torch.no_grad()
def model_outputs(task: torch.nn.Module, inputs: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The trained net's outputs for ``inputs``, in evaluation mode, a batch at a time."""
    task.eval()
    batches = [task(inputs[start : start + batch_size]) for start in range(0, len(inputs), batch_size)]
    require(
        all(isinstance(b, torch.Tensor) for b in batches),
        "ckpt_path",
        f"the net returns {type(batches[0]).__name__}, not a tensor, so it has nothing to write as predictions",
    )
    return torch.cat(batches)


def trained_net(cfg: DictConfig, run_dir: str) -> TrainedModel:
    from dlr.run.evaluate import rebuild_run  # Lightning and the quantization flow: only for a net

    run = rebuild_run(cfg, run_dir)
    classifies = run.datamodule.task_type == CLASSIFICATION

    def outputs(inputs: torch.Tensor) -> torch.Tensor:
        logits = model_outputs(run.task, inputs, cfg.batch_size)
        return logits.softmax(-1) if classifies else logits

    return TrainedModel(run.ckpt_path, run.config, run.datamodule, outputs)


def trained_estimator(cfg: DictConfig, ckpt_path: Path) -> TrainedModel:
    from dlr.run.evaluate import training_config
    from dlr.tabular.estimator_file import load_estimator
    from dlr.tabular.estimators import class_probabilities

    stored = load_estimator(ckpt_path)
    run_cfg = training_config(stored, cfg)
    datamodule = from_config.build_datamodule(run_cfg)  # refits the encoding on the same training rows
    estimator = stored["estimator"]

    def outputs(inputs: torch.Tensor) -> torch.Tensor:
        x = inputs.numpy()
        if datamodule.task_type == CLASSIFICATION:
            return torch.as_tensor(class_probabilities(estimator, x, datamodule.num_classes))
        return torch.as_tensor(np.asarray(estimator.predict(x), dtype=np.float32).reshape(len(x), -1))

    return TrainedModel(ckpt_path, run_cfg, datamodule, outputs)


def predict_table(cfg: DictConfig, model: TrainedModel, run_dir: Path) -> Path:
    datamodule, data = model.datamodule, model.config.data
    encoding = getattr(datamodule, "encoding", None)
    require(
        encoding is not None,
        "data",
        f"the checkpoint was trained on data={data.get('name', data._target_)}, "
        "which has no fitted table encoding; predict one of its splits instead (drop data=...)",
    )
    probes = [key for key in RANDOM_PROBES if data.get(key)]
    require(
        not probes,
        "data",
        f"the run added random probes ({', '.join(f'data.{p}={data[p]}' for p in probes)}), "
        "which new rows cannot get alike",
    )
    source = Path(str(cfg.data.path)).expanduser()
    require(source.is_file(), "data.path", f"no such file: {source}")
    table = pd.read_csv(source)
    target = data.get("target")
    features = table.drop(columns=[target]) if target in table.columns else table
    outputs = model.outputs(torch.as_tensor(encoding.transform(features, source.name)))
    predictions = table.copy()
    if datamodule.task_type == CLASSIFICATION:
        probabilities = outputs.numpy()
        names = datamodule.class_names or [str(c) for c in range(probabilities.shape[1])]
        predictions["prediction"] = [names[c] for c in probabilities.argmax(1)]
        for index, name in enumerate(names):
            predictions[f"probability_{name}"] = probabilities[:, index]
    else:
        in_target_units = getattr(datamodule, "target_values", None)  # a standardized (logged) target
        values = (in_target_units(outputs) if in_target_units else outputs).reshape(len(outputs), -1)
        width = values.shape[1]
        columns = ["prediction"] if width == 1 else [f"prediction_{i}" for i in range(width)]
        predictions[columns] = values.numpy()
    path = run_dir / "predictions.csv"
    write_atomically(path, predictions.to_csv(index=False).encode())  # never half a table
    return path


def predict_split(cfg: DictConfig, model: TrainedModel, run_dir: Path) -> Path:
    require(cfg.split in SPLITS, "split", f"must be one of {', '.join(SPLITS)}, got {cfg.split!r}")
    outputs = model.outputs(getattr(model.datamodule, cfg.split).x)
    path = run_dir / "predictions.npy"
    buffer = io.BytesIO()
    np.save(buffer, outputs.numpy())
    write_atomically(path, buffer.getvalue())  # never half an array
    if outputs.dim() == 4 and outputs.shape[1] in (1, 3):  # images: a grid of the first 64 to look at
        from dlr.tasks.pictures import save_samples  # torchvision, only for image outputs

        save_samples(outputs[:64], run_dir / "predictions.png")
    return path


def load_trained(cfg: DictConfig, run_dir: str) -> TrainedModel:
    from dlr.tabular.estimator_file import is_estimator_file

    if is_estimator_file(cfg.ckpt_path):
        return trained_estimator(cfg, resolve_checkpoint(cfg.ckpt_path, cfg.paths.log_dir, "train", run_dir))
    return trained_net(cfg, run_dir)


def predict(cfg: DictConfig) -> dict | None:
    context = RunContext(cfg)
    return run_recorded(context, lambda: _predict(cfg, context), NOTHING_TO_RESUME)


def _predict(cfg: DictConfig, context: RunContext) -> dict:
    model = load_trained(cfg, context.run_dir)
    writer = predict_table if cfg.get("data") else predict_split
    path = writer(cfg, model, Path(context.run_dir))
    record = context.finish(status="completed", predictions=str(path), checkpoint=str(model.ckpt_path))
    console.console.print(f"predictions: [bold]{path}[/]", soft_wrap=True)
    return record

"""The flow behind ``predict.py``: rebuild the run stored in a checkpoint, predict, write the predictions.

Two inputs: a new table (``data=csv data.path=new.csv``), encoded with the preprocessing the training run
fitted, written back as CSV with the prediction columns appended; or a split of the run's own data
(``split=test``), written as ``predictions.npy``, plus a PNG grid when the outputs are images.
"""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from dlr import console
from dlr.data.base import CLASSIFICATION
from dlr.errors import require
from dlr.evaluate import RebuiltRun, rebuild_run
from dlr.interrupts import STOPS, RunInterrupted
from dlr.records import write_atomically
from dlr.run import RunContext, _close_experiment_trackers

SPLITS = ("train", "val", "test")


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


def predict_table(cfg: DictConfig, run: RebuiltRun, run_dir: Path) -> Path:
    encoding = getattr(run.datamodule, "encoding", None)
    require(
        encoding is not None,
        "data",
        f"the checkpoint was trained on data={run.config.data.get('name', run.config.data._target_)}, "
        "which has no fitted table encoding; predict one of its splits instead (drop data=...)",
    )
    source = Path(str(cfg.data.path)).expanduser()
    require(source.is_file(), "data.path", f"no such file: {source}")
    table = pd.read_csv(source)
    target = run.config.data.get("target")
    features = table.drop(columns=[target]) if target in table.columns else table
    outputs = model_outputs(run.task, encoding.transform(features, source.name), cfg.batch_size)
    predictions = table.copy()
    if run.datamodule.task_type == CLASSIFICATION:
        probabilities = outputs.softmax(-1).numpy()
        names = run.datamodule.class_names or [str(c) for c in range(probabilities.shape[1])]
        predictions["prediction"] = [names[c] for c in probabilities.argmax(1)]
        for index, name in enumerate(names):
            predictions[f"probability_{name}"] = probabilities[:, index]
    else:
        values = outputs.reshape(len(outputs), -1).numpy()
        width = values.shape[1]
        predictions[["prediction"] if width == 1 else [f"prediction_{i}" for i in range(width)]] = values
    path = run_dir / "predictions.csv"
    write_atomically(path, predictions.to_csv(index=False).encode())  # never half a table
    return path


def predict_split(cfg: DictConfig, run: RebuiltRun, run_dir: Path) -> Path:
    require(cfg.split in SPLITS, "split", f"must be one of {', '.join(SPLITS)}, got {cfg.split!r}")
    inputs = getattr(run.datamodule, cfg.split).x
    outputs = model_outputs(run.task, inputs, cfg.batch_size)
    path = run_dir / "predictions.npy"
    buffer = io.BytesIO()
    np.save(buffer, outputs.numpy())
    write_atomically(path, buffer.getvalue())  # never half an array
    if outputs.dim() == 4 and outputs.shape[1] in (1, 3):  # images: a grid of the first 64 to look at
        from dlr.tasks.pictures import save_samples  # torchvision, only for image outputs

        save_samples(outputs[:64], run_dir / "predictions.png")
    return path


def predict(cfg: DictConfig) -> dict | None:
    context = RunContext(cfg)
    STOPS.install()  # SIGTERM, SIGINT: record interrupted, exit 128 + signal, in one line
    try:
        run = rebuild_run(cfg, context.run_dir)
        writer = predict_table if cfg.get("data") else predict_split
        path = writer(cfg, run, Path(context.run_dir))
        record = context.finish(status="completed", predictions=str(path), checkpoint=str(run.ckpt_path))
        console.console.print(f"predictions: [bold]{path}[/]", soft_wrap=True)
        return record
    except RunInterrupted as stop:
        context.interrupt(stop, hint="nothing was written as finished; run the same command again")
    except Exception as error:
        context.fail(error)
        return None
    finally:
        STOPS.restore()
        context.close()
        _close_experiment_trackers()

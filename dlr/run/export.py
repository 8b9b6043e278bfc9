"""The flow behind ``export.py``: rebuild the run stored in a checkpoint and write its model for use outside dlr.

- ``onnx``: the task's forward (what ``predict.py`` calls) through torch's ONNX exporter (``torch.export``
  based), with a dynamic batch dimension; then run by ``onnxruntime`` on the run's test split, whose outputs
  must equal torch's within ``tolerance``.
- ``torchscript``: the same forward traced (Lightning's ``to_torchscript``), loaded back with ``torch.jit.load`` and
  checked alike.
- ``safetensors``: the net's weights only (``dlr.quant.export``: quantized tensors too), with the run's
  config in the file's metadata; read back with safetensors and compared exactly.

A net the exporter cannot capture (data-dependent control flow, an unsupported operator, outputs that are
not tensors) is refused in one line naming the net and the exporter's reason.
"""

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf, open_dict

from dlr import console
from dlr.errors import ConfigError, RunFailure, require
from dlr.quant.export import plain_tensors
from dlr.quant.export import save as save_safetensors
from dlr.run.context import NOTHING_TO_RESUME, RunContext, run_recorded
from dlr.run.evaluate import rebuild_run
from dlr.tabular.estimator_file import is_estimator_file

SUFFIXES = {"onnx": "onnx", "torchscript": "pt", "safetensors": "safetensors"}


def export(cfg: DictConfig) -> dict | None:
    context = RunContext(cfg)
    return run_recorded(context, lambda: _export(cfg, context), NOTHING_TO_RESUME)


def _export(cfg: DictConfig, context: RunContext) -> dict:
    require(cfg.format in SUFFIXES, "format", f"must be one of {', '.join(SUFFIXES)}, got {cfg.format!r}")
    require(
        not is_estimator_file(cfg.ckpt_path),
        "ckpt_path",
        "an estimator run (trees, boosting, TabPFN) has no net to export: its estimator.skops is the model",
    )
    with open_dict(cfg):  # exporters capture the eager net; a compiled call would hide it from them
        cfg.overrides = OmegaConf.merge(cfg.overrides or {}, {"compile": False})
    run = rebuild_run(cfg, context.run_dir)
    task = run.task.eval()
    path = Path(context.run_dir) / f"model.{SUFFIXES[cfg.format]}"
    inputs = run.datamodule.test.x
    name = f"model={run.config.model.name}"
    checked = WRITERS[cfg.format](task, inputs, path, cfg, name, OmegaConf.to_container(run.config))
    record = context.finish(
        status="completed",
        checkpoint=str(run.ckpt_path),
        export={"format": cfg.format, "path": str(path), **checked},
    )
    console.console.print(f"exported: [bold]{path}[/] ({', '.join(f'{k} {v}' for k, v in checked.items())})")
    return record


def _outputs(call: Callable, inputs: torch.Tensor, batch_size: int) -> list[np.ndarray]:
    """Each output of ``call`` over ``inputs`` a batch at a time, as numpy arrays (tuples flattened)."""
    batches = []
    for start in range(0, len(inputs), batch_size):
        out = call(inputs[start : start + batch_size])
        out = out if isinstance(out, tuple | list) else (out,)
        batches.append([o.detach().numpy() if isinstance(o, torch.Tensor) else np.asarray(o) for o in out])
    return [np.concatenate(parts) for parts in zip(*batches, strict=True)]


def _reason(error: BaseException) -> str:
    """The innermost cause's first line: what could not be captured, not where the exporter gave up. (The
    TorchScript interpreter's errors are a traceback whose last line is the reason.)"""
    while error.__cause__ is not None:
        error = error.__cause__
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [""]
    in_torchscript = lines[0].startswith("The following operation failed in the TorchScript interpreter")
    return f"{type(error).__name__}: {lines[-1] if in_torchscript else lines[0]}"


def _refused(name: str, what: str, error: BaseException) -> ConfigError:
    return ConfigError("format", f"{name} {what}: {_reason(error)}")


def _torch_outputs(task, inputs: torch.Tensor, cfg, name: str) -> list[np.ndarray]:
    try:
        return _outputs(task, inputs, cfg.batch_size)
    except Exception as error:  # a net that reads something else than its data's inputs (a label, say)
        raise _refused(
            name, "does not run on its test split's inputs, so there is nothing to check", error
        ) from None


def _checked(found: list[np.ndarray], expected: list[np.ndarray], path: Path, cfg, name: str) -> dict:
    """The largest difference from torch's outputs, which must be within ``cfg.tolerance``."""
    worst = max(float(np.abs(f.astype(np.float64) - e).max()) for f, e in zip(found, expected, strict=True))
    if not worst <= cfg.tolerance:
        raise RunFailure(
            f"{name}: {cfg.format} outputs differ from torch's by {worst:.3g} > tolerance {cfg.tolerance}"
        )
    return {"max_abs_difference": worst, "checked_samples": len(expected[0]), "bytes": path.stat().st_size}


@torch.no_grad()
def write_onnx(task, inputs, path: Path, cfg, name: str, config: dict) -> dict:
    import onnxruntime  # only for this format

    expected = _torch_outputs(task, inputs, cfg, name)
    try:
        torch.onnx.export(
            task,
            (inputs[:2],),
            str(path),
            dynamo=True,
            input_names=["input"],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            opset_version=cfg.get("opset_version"),
            external_data=False,  # one file
        )
    except Exception as error:  # the exporter's many error types
        raise _refused(name, "cannot be exported to ONNX", error) from None
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as error:
        raise _refused(name, "was exported to ONNX, but onnxruntime cannot load it", error) from None
    batch = session.get_inputs()[0].shape[0]
    require(
        not isinstance(batch, int),
        "format",
        f"{name} was exported to ONNX with its batch size fixed at {batch}: the net reads it as a Python "
        "number (len(x), say), so the file would take no other batch",
    )
    found = _outputs(lambda x: session.run(None, {"input": x.numpy()}), inputs, cfg.batch_size)
    return _checked(found, expected, path, cfg, name)


@torch.no_grad()
def write_torchscript(task, inputs, path: Path, cfg, name: str, config: dict) -> dict:
    expected = _torch_outputs(task, inputs, cfg, name)
    try:
        traced = task.to_torchscript(method="trace", example_inputs=inputs[:2])  # Lightning's own tracing
    except Exception as error:
        raise _refused(name, "cannot be traced to TorchScript", error) from None
    torch.jit.save(traced, str(path), _extra_files={"dlr_config.json": json.dumps(config)})
    try:
        found = _outputs(torch.jit.load(str(path)), inputs, cfg.batch_size)
    except Exception as error:  # a trace keeps the example's batch size where the net reads it as a number
        raise _refused(
            name, "was traced to TorchScript, but the trace fails on the test split", error
        ) from None
    return _checked(found, expected, path, cfg, name)


def write_safetensors(task, inputs, path: Path, cfg, name: str, config: dict) -> dict:
    from safetensors.torch import load_file

    size = save_safetensors(task.net, path, description=config)
    stored, expected = load_file(str(path)), plain_tensors(task.net)
    require(
        stored.keys() == expected.keys() and all(torch.equal(stored[k], expected[k]) for k in expected),
        "format",
        f"{name}: the safetensors file does not read back as the net's weights",
    )
    return {"tensors": len(stored), "bytes": size}


WRITERS = {"onnx": write_onnx, "torchscript": write_torchscript, "safetensors": write_safetensors}

"""export.py: a trained run's model as ONNX (run by onnxruntime), TorchScript (torch.jit.load) and safetensors,
each read back with its own library and equal to torch's outputs on the test split; nets the exporter cannot
capture are refused in one line naming the reason."""

import json

import numpy as np
import onnxruntime
import pytest
import torch
from omegaconf import OmegaConf
from safetensors import safe_open

from dlr.config.compose import compose_config, zoo_torch_models
from dlr.errors import ConfigError
from dlr.run.evaluate import rebuild_run
from dlr.run.export import export, write_onnx
from dlr.run.train import train
from dlr.tasks import from_config
from tests.conftest import FAST

TRAIN = [
    *FAST,
    "trainer.max_epochs=2",
    "data.num_samples=1000",
    "callbacks=default",
    "~callbacks.progress_bar",
]


@pytest.fixture
def trained(make_cfg) -> str:
    """The last.ckpt of an MLP trained in batch groups."""
    record = train(make_cfg(TRAIN, run_name="trained"))
    assert record["status"] == "completed" and record["data"]["batches_per_step"] == 32
    return f"{record['run_dir']}/checkpoints/last.ckpt"


def exported(make_cfg, checkpoint: str, file_format: str) -> tuple[dict, torch.Tensor, torch.Tensor]:
    """The export record, the test split's inputs and the trained task's outputs for them (torch)."""
    cfg = make_cfg(
        [f"ckpt_path={checkpoint}", f"format={file_format}"], config_name="export", run_name=file_format
    )
    record = export(cfg)
    assert record["status"] == "completed", record.get("error")
    run = rebuild_run(cfg, cfg.paths.output_dir)
    inputs = run.datamodule.test.x
    with torch.no_grad():
        return record, inputs, run.task.eval()(inputs)


def test_onnx_file_run_by_onnxruntime_gives_torchs_outputs_on_the_test_split(make_cfg, trained):
    record, inputs, expected = exported(make_cfg, trained, "onnx")
    session = onnxruntime.InferenceSession(record["export"]["path"], providers=["CPUExecutionProvider"])
    (found,) = session.run(None, {session.get_inputs()[0].name: inputs.numpy()})  # 200 rows: any batch size
    assert found.shape == (200, 10)
    np.testing.assert_allclose(found, expected.numpy(), rtol=0, atol=1e-4)
    assert record["export"]["max_abs_difference"] <= 1e-4 and record["export"]["checked_samples"] == 200


def test_torchscript_file_loaded_by_torch_jit_gives_torchs_outputs(make_cfg, trained):
    record, inputs, expected = exported(make_cfg, trained, "torchscript")
    files = {"dlr_config.json": ""}
    loaded = torch.jit.load(record["export"]["path"], _extra_files=files)
    torch.testing.assert_close(loaded(inputs), expected, rtol=0, atol=1e-4)
    assert json.loads(files["dlr_config.json"])["model"]["name"] == "mlp"


def test_safetensors_file_holds_the_nets_weights_and_the_run_config(make_cfg, trained):
    record, _, _ = exported(make_cfg, trained, "safetensors")
    weights = torch.load(trained, weights_only=True)["state_dict"]
    with safe_open(record["export"]["path"], "pt") as stored:
        assert set(stored.keys()) == {k.removeprefix("net.") for k in weights}
        for key in stored.keys():
            assert torch.equal(stored.get_tensor(key), weights[f"net.{key}"]), key
        assert json.loads(stored.metadata()["dlr"])["model"]["name"] == "mlp"


def test_a_compiled_runs_checkpoint_exports_its_eager_net(make_cfg):
    record = train(make_cfg([*TRAIN, "compile=true"], run_name="compiled"))
    checkpoint = f"{record['run_dir']}/checkpoints/last.ckpt"
    export_record, _, _ = exported(make_cfg, checkpoint, "onnx")
    assert export_record["export"]["max_abs_difference"] <= 1e-4


def test_a_net_that_fixes_its_batch_size_is_refused_in_one_line(make_cfg, capsys):
    record = train(make_cfg([*TRAIN, "model=mixer"], run_name="mixer"))
    cfg = make_cfg([f"ckpt_path={record['run_dir']}/checkpoints/last.ckpt"], config_name="export")
    with pytest.raises(SystemExit) as exit_info:
        export(cfg)
    assert exit_info.value.code == 1
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1
    assert message.startswith(
        "error: format: model=mixer was exported to ONNX with its batch size fixed at 2"
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["ckpt_path=x.ckpt", "format=pickle"],
            "error: format: must be one of onnx, torchscript, safetensors",
        ),
        (["ckpt_path=run/checkpoints/estimator.skops"], "error: ckpt_path: an estimator run (trees"),
    ],
)
def test_what_cannot_be_exported_is_refused_in_one_line(make_cfg, capsys, overrides, expected):
    with pytest.raises(SystemExit) as exit_info:
        export(make_cfg(overrides, config_name="export"))
    message = capsys.readouterr().err.strip()
    assert exit_info.value.code == 1 and len(message.splitlines()) == 1 and message.startswith(expected)


# Refused, each for the reason its one line names (docs/trainer_features.md lists them).
ONNX_REFUSED = {"bm", "deconv", "dnc", "esn", "ft_transformer", "hopfield", "lsm", "mixer", "ntm", "tabm"}


@pytest.mark.slow
def test_every_zoo_net_exports_to_onnx_within_1e_4_or_is_refused_in_one_line(tmp_path, data_dir):
    refused, options = set(), OmegaConf.create({"tolerance": 1e-4, "batch_size": 256, "format": "onnx"})
    for name, overrides in zoo_torch_models().items():
        cfg = compose_config(
            [f"model={name}", *overrides], tmp_path / name, data_dir=data_dir, log_dir=tmp_path
        )
        datamodule = from_config.build_datamodule(cfg)
        task = from_config.build_task(cfg, datamodule).eval()
        try:
            checked = write_onnx(
                task, datamodule.test.x, tmp_path / f"{name}.onnx", options, f"model={name}", {}
            )
        except ConfigError as error:
            assert len(str(error).splitlines()) == 1 and str(error).startswith(f"format: model={name} ")
            refused.add(name)
            continue
        assert checked["max_abs_difference"] <= 1e-4, name
    assert refused == ONNX_REFUSED

"""The bad-input table: every config group, each bad value with the one line it must produce.

Validation-only cases compose the real config and run ``dlr.config.validation`` in-process (a group set is
composed once; value overrides are parsed by Hydra's own override parser and applied to a copy). Cases
found only once the net exists run the real flow in-process; a few run the real CLI for the exit code,
the single line on stderr and the ``failed`` record.
"""

import copy
import json
import subprocess
import sys
from functools import cache

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf, open_dict

from dlr.config.compose import CONF_DIR
from dlr.config.validation import validate_config
from dlr.errors import ConfigError
from tests.bad_values import TABLE
from tests.conftest import ROOT, run_cli
from tests.test_bad_input import fails_with

PARSER = OverridesParser.create()


def _is_group(override: str) -> bool:
    key = override.lstrip("+~").split("=", 1)[0]
    return "." not in key and (CONF_DIR / key).is_dir()


@cache
def _composed(groups: tuple[str, ...], config_name: str = "train") -> DictConfig:
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name, overrides=list(groups), return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = cfg.paths.output_dir = "/nonexistent/validation-only"
    return cfg


def validation_error(overrides: list[str], config_name: str = "train", supplied: tuple = ()) -> str | None:
    """Compose (groups once per set), apply the value overrides as Hydra would, validate; the error or None."""
    cfg = copy.deepcopy(_composed(tuple(o for o in overrides if _is_group(o)), config_name))
    OmegaConf.set_struct(cfg, False)
    for override in PARSER.parse_overrides([o for o in overrides if not _is_group(o)]):
        OmegaConf.update(cfg, override.key_or_group, override.value(), force_add=override.is_add())
    HydraConfig.instance().set_config(cfg)
    launcher = cfg.hydra.launcher
    del cfg.hydra
    try:
        validate_config(cfg, overrides, launcher, supplied)
    except ConfigError as error:
        return str(error)
    return None


@pytest.mark.parametrize(("overrides", "expected"), TABLE, ids=[" ".join(o) for o, _ in TABLE])
def test_bad_value_is_refused_in_one_line(overrides, expected):
    message = validation_error(overrides)
    assert message is not None, f"accepted: {overrides}"
    assert expected in message and "\n" not in message, message


def _depth_keys() -> list[tuple[str, str]]:
    """Each model that reads a depth, and where: its net's ``depth`` or its trees' ``depth``."""
    found = []
    for path in sorted((CONF_DIR / "model").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text()) or {}
        for key in ("net.depth", "estimator.params.depth"):
            node = spec
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                found.append((path.stem, f"model.{key}"))
    return found


@pytest.mark.parametrize(("model", "key"), _depth_keys(), ids=[m for m, _ in _depth_keys()])
def test_a_depth_no_model_can_have_is_refused_on_every_model_that_reads_one(model, key):
    net = (yaml.safe_load((CONF_DIR / "model" / f"{model}.yaml").read_text()).get("net") or {}).get(
        "_target_"
    )
    lowest = 0 if net == "dlr.nets.mlp.MLP" else 1  # an mlp of depth 0 is logistic regression
    message = validation_error([f"model={model}", f"{key}={lowest - 1}"])
    assert message == f"{key}: must be an integer >= {lowest}, got {lowest - 1}"


PREDICT = [
    (["ckpt_path=last", "batch_size=0"], "batch_size: must be an integer >= 1, got 0"),
    (["ckpt_path=last", "split=validation"], "split: must be one of train, val, test; got 'validation'"),
    (
        ["ckpt_path=last", "data=csv"],
        "data.path: is required and has no value; add data.path=... to the command",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), PREDICT, ids=[" ".join(o) for o, _ in PREDICT])
def test_bad_predict_value_is_refused_in_one_line(overrides, expected):
    # A new table's target column is the training run's: predict.py supplies data.target.
    assert validation_error(overrides, "predict", supplied=("data.target",)) == expected


@pytest.mark.parametrize("entry_point", ["eval.py", "predict.py"])
def test_entry_point_without_its_checkpoint_is_one_line_before_torch_loads(tmp_path, entry_point):
    command = [sys.executable, "-X", "importtime", entry_point, f"paths.log_dir={tmp_path}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert lines == ["error: ckpt_path: is required and has no value; add ckpt_path=... to the command"]
    assert "| torch\n" not in result.stderr  # answered in Hydra's time, not the 5-15 s of imports a run needs
    (record,) = [json.loads(p.read_text()) for p in tmp_path.rglob("metrics.json")]
    assert record["status"] == "failed" and record["error"] == lines[0].removeprefix("error: ")


def test_every_group_is_covered():
    cases = [*TABLE, *BUILT]
    keys = {o.lstrip("+").split("=")[0].split(".")[0] for overrides, _ in cases for o in overrides}
    groups = {"data", "model", "optimizer", "scheduler", "trainer", "precision", "quantization", "transfer"}
    groups |= {
        "callbacks",
        "logger",
        "launcher",
        "debug",
        "cv",
        "seed",
        "width",
        "torch_threads",
        "resume_sweep",
    }
    assert groups <= keys and len(TABLE) >= 60


def test_shipped_defaults_pass_validation():
    """No rule refuses what dlr itself ships: the default config and each launcher's."""
    for groups in ([], ["launcher=joblib"], ["launcher=submitit_slurm"], ["data=iris", "model=gru"]):
        assert validation_error(groups) is None, groups


def _shipped_options() -> list[list[str]]:
    """Every model (with its zoo data), every data config and experiment as shipped; those with a value the
    user must give (``???``: data=csv, data=table) are the mandatory-value cases of the table."""
    options = [["launcher=stacked"]]
    for path in sorted((CONF_DIR / "model").glob("*.yaml")):
        zoo = (yaml.safe_load(path.read_text()) or {}).get("zoo") or {}
        options.append([f"model={path.stem}", *([f"data={zoo['data']}"] if zoo.get("data") else [])])
    for group in ("data", "experiment"):
        shipped = [p for p in sorted((CONF_DIR / group).glob("*.yaml")) if p.stem[0] != "_"]
        options += [[f"{group}={p.stem}"] for p in shipped if "???" not in p.read_text()]
    return options


@pytest.mark.slow  # about 120 compositions
def test_no_rule_refuses_any_shipped_option():
    refused = {" ".join(groups): validation_error(groups) for groups in _shipped_options()}
    assert {groups: error for groups, error in refused.items() if error is not None} == {}


# Found only once data and net exist: the real flow, in-process.
NOT_A_CHECKPOINT = ROOT / "README.md"

BUILT = [
    # paths found wanting only once they are read
    (
        ["transfer=finetune", f"transfer.checkpoint={NOT_A_CHECKPOINT}"],
        f"transfer.checkpoint: cannot read {NOT_A_CHECKPOINT} as a checkpoint (UnpicklingError)",
    ),
    (["data.data_dir=/proc/dlr-data", "data.num_samples=300"], "data.data_dir: cannot write /proc/dlr-data/"),
    (["ckpt_path=/proc/dlr-none.ckpt"], "ckpt_path: no such checkpoint file: /proc/dlr-none.ckpt"),
    # A value no rule knows, refused by the constructor it reaches: the config node and the constructor's reason.
    (
        ["+trainer.strategy=foo"],
        "trainer: ValueError: You selected an invalid strategy name: `strategy='foo'`.",
    ),
    (
        ["cv.folds=3", "cv.fold=5"],
        "cv.fold: must be null or an integer in [0, cv.folds) with cv.folds set, got 5",
    ),
    (
        ["model=rbm", "data=binary_digits", "quantization=int8_dynamic"],
        "quantization: int8_dynamic quantizes nn.Linear layers; RBM has none",
    ),
    (
        ["transfer=lora", "quantization=int8_dynamic", "quantization.backend=fbgemm"],
        "quantization.backend: fbgemm cannot quantize LoRA-wrapped layers",
    ),
    (
        ["model=rbm", "data=binary_digits", "transfer=lora"],
        "transfer.lora.target_modules: RBM has no Linear, Embedding or Conv layer to adapt",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), BUILT, ids=[" ".join(o) for o, _ in BUILT])
def test_nothing_to_act_on_is_refused(make_cfg, capsys, overrides, expected):
    fails_with(make_cfg, capsys, overrides, expected)


def test_resume_with_fewer_epochs_than_the_checkpoint_is_refused(make_cfg, capsys):
    from dlr.run.train import train

    trained = train(
        make_cfg(["data.num_samples=1000", "logger=none", "trainer.max_epochs=3"], run_name="long")
    )
    last = f"{trained['run_dir']}/checkpoints/last.ckpt"
    fails_with(
        make_cfg,
        capsys,
        [f"ckpt_path={last}", "trainer.max_epochs=2", "callbacks=default"],
        "trainer.max_epochs: must be >= the 3 epochs the checkpoint already trained (or -1), got 2",
    )


# Each CLI case costs a Python start with torch and Lightning; one runs by default.
CLI = [
    (["seed=abc"], "seed: must be an integer >= 0, got 'abc'"),
    pytest.param(
        ["+anything=1"], "anything: is not a key any part of dlr reads (added with +)", marks=pytest.mark.slow
    ),
    pytest.param(["optimizer.lr=-1"], "optimizer.lr: must be > 0, got -1", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("args", "expected"), CLI)
def test_cli_one_line_nonzero_and_failed_record(tmp_path, args, expected):
    result = run_cli(*args, log_dir=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [f"error: {expected}"], result.stderr
    (record,) = [json.loads(p.read_text()) for p in tmp_path.rglob("metrics.json")]
    assert record["status"] == "failed" and expected in record["error"]


def test_cli_sweep_with_a_bad_launcher_option_stops_before_any_job(tmp_path):
    result = run_cli("-m", "launcher=joblib", "hydra.launcher.n_jobs=0", "width=4,8", log_dir=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    expected = "error: hydra.launcher.n_jobs: must be an integer >= 1 or -1 (one per core), got 0"
    assert result.stderr.strip().splitlines() == [expected], result.stderr

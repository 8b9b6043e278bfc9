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
from tests.conftest import ROOT, run_cli
from tests.test_bad_input import fails_with

TABLE = [
    # top-level keys
    (["seed=abc"], "seed: must be an integer >= 0, got 'abc'"),
    (["seed=-1"], "seed: must be an integer >= 0, got -1"),
    (["torch_threads=0"], "torch_threads: must be an integer >= 1 or auto or null, got 0"),
    (["torch_threads=many"], "torch_threads: must be an integer >= 1 or auto or null, got 'many'"),
    (["width=abc"], "width: must be an integer >= 1, got 'abc'"),
    (["model=lstm", "width=-1"], "width: must be an integer >= 1, got -1"),
    (["depth=-1"], "depth: must be an integer >= 1, got -1"),
    (["depth=0"], "depth: must be an integer >= 1, got 0"),
    (["depth=1.5"], "depth: must be an integer >= 1, got 1.5"),
    (["train=maybe"], "train: must be true or false, got 'maybe'"),
    (["test=2"], "test: must be true or false, got 2"),
    (["task_name=''"], "task_name: must be a non-empty name, got ''"),
    (["ckpt_path=3"], "ckpt_path: must be null, last or a file path, got 3"),
    (["data=iris", "cv.folds=1"], "cv.folds: must be an integer >= 2 or null, got 1"),
    (["data=iris", "cv.folds=-2"], "cv.folds: must be an integer >= 2 or null, got -2"),
    (["+anything=1"], "anything: is not a key any part of dlr reads (added with +)"),
    (["resume_sweep=maybe"], "resume_sweep: must be one of True, False; got 'maybe'"),
    (["+widht=3"], "widht: is not a key any part of dlr reads (added with +); did you mean width?"),
    # optimizer (reaches torch.optim)
    (["optimizer.lr=-1"], "optimizer.lr: must be > 0, got -1"),
    (["optimizer.lr=0"], "optimizer.lr: must be > 0, got 0"),
    (["optimizer.lr=abc"], "optimizer.lr: must be > 0, got 'abc'"),
    (["optimizer.weight_decay=-0.1"], "optimizer.weight_decay: must be >= 0, got -0.1"),
    (["optimizer=sgd", "optimizer.momentum=1.5"], "optimizer.momentum: must be in [0, 1), got 1.5"),
    (["optimizer=adam", "+optimizer.betas=[0.9,1.2]"], "optimizer.betas: must be two numbers in [0, 1)"),
    (["+optimizer.eps=0"], "optimizer.eps: must be > 0, got 0"),
    (
        ["+optimizer.lrr=0.1"],
        "optimizer.lrr: is not a key any part of dlr reads (added with +); did you mean optimizer.lr?",
    ),
    # scheduler (reaches torch.optim.lr_scheduler)
    (["scheduler=step", "scheduler.step_size=0"], "scheduler.step_size: must be an integer >= 1, got 0"),
    (["scheduler=step", "scheduler.gamma=0"], "scheduler.gamma: must be > 0, got 0"),
    (["scheduler=cosine", "scheduler.T_max=0"], "scheduler.T_max: must be an integer >= 1, got 0"),
    (["scheduler=cosine", "scheduler.eta_min=-1"], "scheduler.eta_min: must be >= 0, got -1"),
    # trainer
    (["trainer.max_epochs=0"], "trainer.max_epochs: must be an integer >= 1 or -1, got 0"),
    (["trainer.max_epochs=-2"], "trainer.max_epochs: must be an integer >= 1 or -1, got -2"),
    (["trainer.max_epochs=abc"], "trainer.max_epochs: must be an integer >= 1 or -1, got 'abc'"),
    (["trainer.log_every_n_steps=0"], "trainer.log_every_n_steps: must be an integer >= 1, got 0"),
    (
        ["trainer.check_val_every_n_epoch=0"],
        "trainer.check_val_every_n_epoch: must be an integer >= 1, got 0",
    ),
    (["trainer.limit_train_batches=1.5"], "trainer.limit_train_batches: must be null, a fraction in [0, 1]"),
    (["trainer.limit_val_batches=-1"], "trainer.limit_val_batches: must be null, a fraction in [0, 1]"),
    (["trainer.num_sanity_val_steps=-2"], "trainer.num_sanity_val_steps: must be an integer >= -1, got -2"),
    (["trainer.gradient_clip_val=-1"], "trainer.gradient_clip_val: must be >= 0, got -1"),
    (
        ["trainer.devices=0"],
        "trainer.devices: must be auto, -1 (all), a count >= 1 or a list of device indices",
    ),
    (
        ["trainer.devices=[]"],
        "trainer.devices: must be auto, -1 (all), a count >= 1 or a list of device indices",
    ),
    (["trainer.accelerator=tpu"], "trainer.accelerator: must be one of auto, cpu, gpu, cuda, mps; got 'tpu'"),
    (
        ["+trainer.accumulate_grad_batches=0"],
        "trainer.accumulate_grad_batches: must be an integer >= 1, got 0",
    ),
    (
        ["+trainer.max_epoch=3"],
        "trainer.max_epoch: is not a key any part of dlr reads (added with +); did you mean trainer.max_epochs?",
    ),
    # precision
    (["trainer.precision=8-bit"], "trainer.precision: must be one of 32-true, 32, 64-true"),
    (["precision.optimizer_eps=-1"], "precision.optimizer_eps: must be > 0, got -1"),
    # data, including the secondary keys; a mandatory value left unset (???)
    (["data=csv"], "data.path: is required and has no value; add data.path=... to the command"),
    (["data=csv", "data.path=t.csv"], "data.target: is required and has no value; add data.target=... to"),
    (["data=table"], "data.source: is required and has no value; add data.source=... to the command"),
    (["data.batch_size=2.5"], "data.batch_size: must be an integer >= 1, got 2.5"),
    (["data=iris", "data.batch_size=-4"], "data.batch_size: must be an integer >= 1, got -4"),
    (["+data.eval_batch_size=0"], "data.eval_batch_size: must be an integer >= 1, got 0"),
    (
        ["+data.batchsize=3"],
        "data.batchsize: is not a key any part of dlr reads (added with +); did you mean data.batch_size?",
    ),
    (["data=iris", "data.test_fraction=0"], "data.test_fraction: must be in (0, 1), got 0"),
    (["data=iris", "data.test_fraction=1.5"], "data.test_fraction: must be in (0, 1), got 1.5"),
    (["data.val_fraction=1.0"], "data.val_fraction: must be in [0, 1), got 1.0"),
    (["data.train_split=0"], "data.train_split: must be in (0, 1), got 0"),
    (["data.num_samples=0"], "data.num_samples: must be an integer >= 1 or null, got 0"),
    (["data.n_train=0"], "data.n_train: must be an integer >= 1 or null, got 0"),
    (["data.seed=-3"], "data.seed: must be an integer >= 0, got -3"),
    (["data.label_noise=2"], "data.label_noise: must be in [0, 1), got 2"),
    (
        ["data=diamonds", "data.max_train_rows=0"],
        "data.max_train_rows: must be an integer >= 1 or null, got 0",
    ),
    (["data=diamonds", "data.max_categories=0"], "data.max_categories: must be an integer >= 1, got 0"),
    (
        ["data=diamonds", "data.uninformative_features=-1"],
        "data.uninformative_features: must be >= 0, got -1",
    ),
    (["data=graph_classification", "data.n_graphs=0"], "data.n_graphs: must be an integer >= 1, got 0"),
    (["data=sbm", "data.n_features=-1"], "data.n_features: must be an integer >= 1, got -1"),
    (["data=sbm", "data.p_in=1.5"], "data.p_in: must be in [0, 1], got 1.5"),
    (["data=sines", "data.n_components=0"], "data.n_components: must be an integer >= 1, got 0"),
    (["data=markov_sequences", "data.concentration=0"], "data.concentration: must be > 0, got 0"),
    (["data=gaussian_linear", "data.signal_norm=-1"], "data.signal_norm: must be >= 0, got -1"),
    # model
    (["model.net.dropout=1.0"], "model.net.dropout: must be in [0, 1), got 1.0"),
    (["model.net.dropout=-0.1"], "model.net.dropout: must be in [0, 1), got -0.1"),
    (["model=gru", "model.net.dropout=2"], "model.net.dropout: must be in [0, 1), got 2"),
    (["model=logistic", "model.net.depth=-1"], "model.net.depth: must be an integer >= 0, got -1"),
    (
        ["model=cnn", "model.net.kernel_size=[3,0,3]"],
        "model.net.kernel_size: must be an integer >= 1 or a list",
    ),
    (
        ["model=capsnet", "model.net.kernel_size=0"],
        "model.net.kernel_size: must be an integer >= 1 or a list",
    ),
    (["model=capsnet", "model.net.class_size=0"], "model.net.class_size: must be an integer >= 1, got 0"),
    (["model=capsnet", "model.task.lower_margin=1.5"], "model.task.lower_margin: must be in [0, 1], got 1.5"),
    (["model=capsnet", "model.task.absent_weight=-1"], "model.task.absent_weight: must be >= 0, got -1"),
    (["model=transformer", "model.net.n_heads=0"], "model.net.n_heads: must be an integer >= 1, got 0"),
    (["model=transformer", "model.net.ff_multiplier=0"], "model.net.ff_multiplier: must be an integer >= 1"),
    (
        ["model=ft_transformer", "model.net.attention_dropout=1.5"],
        "model.net.attention_dropout: must be in [0, 1)",
    ),
    (["model=ft_transformer", "model.net.sigma=0"], "model.net.sigma: must be > 0, got 0"),
    (["model=tabular_resnet", "model.net.hidden_factor=0"], "model.net.hidden_factor: must be > 0, got 0"),
    (
        ["model=tabular_resnet", "model.net.embedding_dim=0"],
        "model.net.embedding_dim: must be an integer >= 1",
    ),
    (["model=vae", "model.task.beta=-1"], "model.task.beta: must be >= 0, got -1"),
    (["model=vae", "model.task.traversal_range=0"], "model.task.traversal_range: must be > 0, got 0"),
    (["model=esn", "model.net.leak_rate=0"], "model.net.leak_rate: must be in (0, 1], got 0"),
    (["model=esn", "model.net.spectral_radius=-1"], "model.net.spectral_radius: must be > 0, got -1"),
    (["model=random_features", "model.net.ridge=-1"], "model.net.ridge: must be >= 0 or gcv"),
    (["model=sae", "model.task.sparsity_target=0"], "model.task.sparsity_target: must be in (0, 1), got 0"),
    (["model=som", "model.net.lr_start=0"], "model.net.lr_start: must be > 0, got 0"),
    (["model=rbm", "model.net.init_scale=0"], "model.net.init_scale: must be > 0, got 0"),
    (["model=rbm", "model.task.sample_steps=-1"], "model.task.sample_steps: must be an integer >= 0, got -1"),
    (["model=hopfield", "model.task.corruption=1.5"], "model.task.corruption: must be in [0, 1], got 1.5"),
    (
        ["model=markov_chain", "model.task.sample_length=0"],
        "model.task.sample_length: must be an integer >= 1",
    ),
    (["model=markov_chain", "model.net.smoothing=-1"], "model.net.smoothing: must be >= 0, got -1"),
    (["model=convlstm", "model.task.n_examples=0"], "model.task.n_examples: must be an integer >= 1, got 0"),
    # tree ensembles (model.estimator)
    (
        ["model=catboost", "model.estimator.params.thread_count=0"],
        "model.estimator.params.thread_count: must be",
    ),
    (
        ["model=catboost", "model.estimator.params.learning_rate=0"],
        "model.estimator.params.learning_rate: must be > 0",
    ),
    (
        ["model=xgboost", "model.estimator.params.subsample=0"],
        "model.estimator.params.subsample: must be in (0, 1]",
    ),
    (
        ["model=xgboost", "model.estimator.params.reg_alpha=-1"],
        "model.estimator.params.reg_alpha: must be >= 0",
    ),
    (
        ["model=lightgbm", "model.estimator.params.num_leaves=1"],
        "model.estimator.params.num_leaves: must be an",
    ),
    (["model=random_forest", "model.estimator.params.n_jobs=0"], "model.estimator.params.n_jobs: must be an"),
    (
        ["model=random_forest", "model.estimator.threads=0"],
        "model.estimator.threads: must be an integer >= 1",
    ),
    (
        ["model=hist_gbm", "model.estimator.params.max_leaf_nodes=1"],
        "model.estimator.params.max_leaf_nodes: must",
    ),
    (
        ["model=gradient_boosting", "model.estimator.params.max_depth=0"],
        "model.estimator.params.max_depth: must",
    ),
    (
        ["model=decision_tree", "model.estimator.params.min_samples_leaf=0"],
        "model.estimator.params.min_samples_leaf",
    ),
    # transfer
    (["transfer=lora", "transfer.lora.r=0"], "transfer.lora.r: must be an integer >= 1, got 0"),
    (["transfer=lora", "transfer.lora.alpha=0"], "transfer.lora.alpha: must be > 0, got 0"),
    (["transfer=lora", "transfer.lora.dropout=1"], "transfer.lora.dropout: must be in [0, 1), got 1"),
    # quantization
    (
        ["quantization=int4_weight_only", "quantization.group_size=7"],
        "quantization.group_size: must be one of 32, 64, 128, 256, null; got 7",
    ),
    (["quantization=qlora", "quantization.r=0"], "quantization.r: must be an integer >= 1, got 0"),
    (["quantization=qlora", "quantization.alpha=-1"], "quantization.alpha: must be > 0, got -1"),
    # callbacks
    (
        ["callbacks=with_early_stopping", "callbacks.early_stopping.patience=-1"],
        "callbacks.early_stopping.patience: must be an integer >= 0, got -1",
    ),
    (
        ["callbacks=with_early_stopping", "callbacks.early_stopping.mode=up"],
        "callbacks.early_stopping.mode: must be one of min, max; got 'up'",
    ),
    (
        ["callbacks=with_early_stopping", "callbacks.early_stopping.min_delta=-1"],
        "callbacks.early_stopping.min_delta: must be >= 0, got -1",
    ),
    (
        ["callbacks.model_checkpoint.save_top_k=-2"],
        "callbacks.model_checkpoint.save_top_k: must be an integer >= -1, got -2",
    ),
    (
        ["callbacks.model_checkpoint.mode=sideways"],
        "callbacks.model_checkpoint.mode: must be one of min, max; got 'sideways'",
    ),
    (["callbacks.last_checkpoint.every_s=-1"], "callbacks.last_checkpoint.every_s: must be >= 0, got -1"),
    (
        ["callbacks.model_summary.max_depth=-2"],
        "callbacks.model_summary.max_depth: must be an integer >= -1, got -2",
    ),
    # logger
    (
        ["+logger.csv.foo=1"],
        "logger.csv.foo: is not a key any part of dlr reads (added with +); did you mean logger.csv.name?",
    ),
    (
        ["+logger.csv.flush_logs_every_n_steps=0"],
        "logger.csv.flush_logs_every_n_steps: must be an integer >= 1, got 0",
    ),
    # launcher (Hydra's launcher plugins)
    (
        ["launcher=joblib", "hydra.launcher.n_jobs=0"],
        "hydra.launcher.n_jobs: must be an integer >= 1 or -1 (one per core), got 0",
    ),
    (
        ["launcher=joblib", "hydra.launcher.backend=fork"],
        "hydra.launcher.backend: must be one of loky, multiprocessing, threading; got 'fork'",
    ),
    (
        ["launcher=submitit_slurm", "hydra.launcher.cpus_per_task=0"],
        "hydra.launcher.cpus_per_task: must be an integer >= 1, got 0",
    ),
    (
        ["launcher=submitit_slurm", "hydra.launcher.timeout_min=0"],
        "hydra.launcher.timeout_min: must be > 0, got 0",
    ),
    # debug
    (
        ["debug=limit", "trainer.limit_train_batches=-5"],
        "trainer.limit_train_batches: must be null, a fraction in [0, 1]",
    ),
    (
        ["debug=overfit", "trainer.overfit_batches=-1"],
        "trainer.overfit_batches: must be null, a fraction in [0, 1]",
    ),
    (
        ["debug=fast_dev_run", "trainer.fast_dev_run=-1"],
        "trainer.fast_dev_run: must be true, false or a batch count >= 0, got -1",
    ),
    (["+debug.foo=1"], "debug.foo: is not a key any part of dlr reads (added with +)"),
]

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

"""scripts/wandb_sweep.py: a Hydra sweep's space as a W&B sweep configuration that W&B's own schema accepts,
whose every command line (as W&B's agent builds it) composes and validates as a train.py run."""

import pytest
import yaml
from wandb.sdk.launch.sweeps.utils import create_sweep_command_args

from dlr.config.compose import compose_config
from dlr.config.validation import validate_config
from dlr.config.wandb_sweep import write_sweep
from dlr.errors import ConfigError


def agent_arguments(configuration: dict, values: dict) -> list[str]:
    """The arguments after ``train.py`` of the run W&B's agent starts for ``values``, built by W&B's own code."""
    expanded = {
        "args_no_hyphens": create_sweep_command_args({"args": {k: {"value": v} for k, v in values.items()}})
    }
    words = []
    for word in configuration["command"][3:]:  # after ${env} ${interpreter} ${program}
        words += expanded[word[2:-1]]["args_no_hyphens"] if word.startswith("${") else [word]
    return words


def test_optuna_space_becomes_a_bayes_sweep_of_train_py_passed_as_hydra_overrides(tmp_path):
    path = tmp_path / "sweep.yaml"
    write_sweep(["hparams_search=optuna", "model=cnn"], path)
    configuration = yaml.safe_load(path.read_text())
    assert configuration["program"] == "train.py" and configuration["method"] == "bayes"
    assert configuration["metric"] == {"name": "val/acc", "goal": "maximize"}  # optimized_metric, direction
    assert configuration["run_cap"] == 20  # n_trials
    assert configuration["command"] == [
        "${env}",
        "${interpreter}",
        "${program}",
        "model=cnn",
        "logger=wandb",
        "logger.wandb.offline=false",
        "${args_no_hyphens}",
    ]
    parameters = configuration["parameters"]
    assert parameters["optimizer.lr"] == {"distribution": "log_uniform_values", "min": 0.0001, "max": 0.1}
    assert parameters["width"] == {"values": [16, 32, 64, 128, 256]}


def test_the_file_passes_wandbs_own_sweep_schema(tmp_path):
    sweeps = pytest.importorskip("sweeps", reason="W&B's schema ships in wandb[sweeps] (pip install sweeps)")
    for overrides in (["hparams_search=optuna"], ["width=16,64", "optimizer.lr=interval(0.001,0.1)"]):
        path = tmp_path / "sweep.yaml"
        write_sweep(overrides, path)
        assert sweeps.schema_violations_from_proposed_config(yaml.safe_load(path.read_text())) == []


def test_every_command_line_of_a_grid_composes_and_validates_as_a_train_run(tmp_path):
    path = tmp_path / "sweep.yaml"
    configuration, checked = write_sweep(["model=mlp", "width=16,64", "optimizer=sgd,adamw"], path)
    assert configuration["method"] == "grid" and checked == 4
    for width in (16, 64):
        for optimizer in ("sgd", "adamw"):
            arguments = agent_arguments(configuration, {"width": width, "optimizer": optimizer})
            cfg = compose_config(arguments, tmp_path / "run")
            validate_config(cfg, arguments)
            assert cfg.width == width and cfg.optimizer._target_.lower().endswith(optimizer)
            assert cfg.logger.wandb.offline is False  # the agent's runs report to the sweep
            assert cfg.data.batches_per_step == "auto"  # an ordinary run: batch groups decided as always


def test_a_space_train_py_would_refuse_is_refused_in_one_line_before_any_file(tmp_path):
    path = tmp_path / "sweep.yaml"
    with pytest.raises(ConfigError, match="^width: must be an integer >= 1, got 0$"):
        write_sweep(["hparams_search=optuna", "hydra.sweeper.params.width=choice(0,16)"], path)
    assert not path.exists()

"""W&B goes online when the user is logged in and offline when not, says which in one line, and obeys
``logger.wandb.offline=true|false``. Online is never reached here: the decision is tested, and the offline
run through the real wandb."""

import os
from pathlib import Path

import pytest
import wandb

from dlr.errors import ConfigError
from dlr.run.loggers.wandb_mode import decide, logger_options
from dlr.run.train import train
from tests.conftest import FAST

KEY = "x" * 40
VARIABLES = ("WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE", "WANDB_MODE", "WANDB_BASE_URL")


@pytest.fixture
def logged_out(monkeypatch, tmp_path) -> Path:
    """No W&B credentials anywhere; returns the (empty) netrc file wandb would read."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("")
    monkeypatch.setenv("NETRC", str(netrc))
    return netrc


def test_not_logged_in_is_offline_and_says_how_to_upload(logged_out):
    mode, line = decide(None)
    assert mode == "offline"
    assert line == (
        "W&B: offline, not logged in (no WANDB_API_KEY, no `wandb login`); "
        "`wandb sync <run dir>/wandb/offline-run-*` uploads it later"
    )


def test_an_api_key_in_the_environment_is_online(logged_out, monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    assert decide(None) == ("online", "W&B: online, logged in by WANDB_API_KEY")


def test_the_netrc_entry_wandb_login_writes_is_online(logged_out):
    logged_out.write_text(f"machine api.wandb.ai\n  login user\n  password {KEY}\n")
    assert decide(None) == ("online", f"W&B: online, logged in by {logged_out} (api.wandb.ai)")


def test_a_netrc_entry_counts_for_the_host_wandb_uses(logged_out, monkeypatch):
    logged_out.write_text(f"machine wandb.example.org login user password {KEY}\n")
    assert decide(None)[0] == "offline"  # an entry for another host is not a W&B login
    monkeypatch.setenv("WANDB_BASE_URL", "https://wandb.example.org")
    assert decide(None)[0] == "online"


def test_wandb_mode_set_by_the_user_wins_over_the_login(logged_out, monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    monkeypatch.setenv("WANDB_MODE", "offline")
    assert decide(None) == ("offline", "W&B: offline (WANDB_MODE=offline)")


def test_the_config_forces_either_mode(logged_out, monkeypatch):
    assert decide(False) == ("online", "W&B: online (logger.wandb.offline=false)")
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    monkeypatch.setenv("WANDB_MODE", "online")
    assert decide(True) == ("offline", "W&B: offline (logger.wandb.offline=true)")


def test_uploading_checkpoints_offline_is_refused_in_one_line(logged_out):
    assert logger_options({"offline": None, "log_model": False}) == {"offline": False, "mode": "offline"}
    with pytest.raises(ConfigError, match=r"^logger.wandb.log_model: W&B is offline, so checkpoints cannot"):
        logger_options({"offline": None, "log_model": True})


def test_a_logged_out_run_writes_an_offline_wandb_run_and_leaves_wandb_mode_unset(
    make_cfg, logged_out, capsys
):
    record = train(make_cfg([*FAST, "trainer.max_epochs=1", "data.num_samples=500", "logger=wandb"]))
    assert record["status"] == "completed"
    assert "W&B: offline, not logged in" in capsys.readouterr().out
    wandb.teardown()  # the W&B service writes the run's files asynchronously; this waits for them
    assert list((Path(record["run_dir"]) / "wandb").glob("offline-run-*/run-*.wandb"))
    assert "WANDB_MODE" not in os.environ  # the next run in this process decides afresh

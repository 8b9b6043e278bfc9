"""Bad input fails fast: one line naming the key and what is allowed, a non-zero exit, a `failed` record."""

import json
from pathlib import Path

import pytest

from dlr.run.train import train
from tests.conftest import FAST, run_cli


def fails_with(make_cfg, capsys, overrides: list[str], expected: str) -> dict:
    small = [] if any(o.startswith("data=") for o in overrides) else ["data.num_samples=1000"]
    cfg = make_cfg([*FAST, *small, *overrides], run_name="bad")
    with pytest.raises(SystemExit) as exit_info:
        train(cfg)
    assert exit_info.value.code == 1
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and expected in message, message
    record = json.loads((Path(cfg.paths.output_dir) / "metrics.json").read_text())
    assert record["status"] == "failed" and expected in record["error"]
    return record


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["width=0"], "width: must be an integer >= 1, got 0"),
        (["model=timm", "data=digits", "width=64"], "width: model=timm does not read width"),
        (["data.label_noise=1.0"], "data.label_noise: must be in [0, 1), got 1.0"),
        (["data.label_noise=-0.5"], "data.label_noise: must be in [0, 1)"),
        (["data.batch_size=0"], "data.batch_size: must be an integer >= 1, got 0"),
        (["data.batches_per_step=0"], "data.batches_per_step: must be auto or an integer >= 1, got 0"),
        (
            ["callbacks=default", "callbacks.last_checkpoint.every_s=-1"],
            "callbacks.last_checkpoint.every_s: must be >= 0, got -1",
        ),
        (["ckpt_path=/no/such.ckpt"], "ckpt_path: no such checkpoint file: /no/such.ckpt"),
        (["data=csv", "data.path=/no/such.csv", "data.target=y"], "data.path: no such file: /no/such.csv"),
        (
            ["model=cnn", "data=iris"],
            "model: model=cnn cannot read data=iris (tabular data); it accepts signal, image",
        ),
    ],
)
def test_bad_values_fail_in_one_line(make_cfg, capsys, overrides, expected):
    fails_with(make_cfg, capsys, overrides, expected)


def test_missing_csv_column_names_the_columns(make_cfg, capsys, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n3,4\n")
    fails_with(
        make_cfg,
        capsys,
        ["data=csv", f"data.path={table}", "data.target=label"],
        "data.target: column 'label' not in t.csv; columns: a, b",
    )


def test_checkpoint_of_another_architecture_is_refused(make_cfg, capsys):
    trained = train(
        make_cfg(["data.num_samples=1000", "logger=none", "trainer.max_epochs=1"], run_name="mlp")
    )
    last = Path(trained["run_dir"]) / "checkpoints" / "last.ckpt"
    record = fails_with(
        make_cfg, capsys, ["model=cnn", f"ckpt_path={last}"], "was written by mlp and does not fit model=cnn"
    )
    assert "missing: net.features.0.weight" in record["error"]


def test_cli_exits_nonzero_with_one_line_and_no_traceback(tmp_path):
    result = run_cli("width=-3", log_dir=tmp_path)
    assert result.returncode == 1
    assert (
        "error: width: must be an integer >= 1, got -3" in result.stderr and "Traceback" not in result.stderr
    )
    (record,) = [json.loads(p.read_text()) for p in tmp_path.rglob("metrics.json")]
    assert record["status"] == "failed"


def test_cli_unknown_group_option_lists_the_choices(tmp_path):
    result = run_cli("model=nosuchnet", log_dir=tmp_path)
    assert result.returncode != 0
    assert "Could not find 'model/nosuchnet'" in result.stderr and "mlp" in result.stderr


def test_batch_groups_are_refused_by_tasks_that_take_single_batches(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        ["model=vae", "data=digits", "data.batches_per_step=4"],
        "data.batches_per_step: VariationalTask takes one batch per step; use 1 or auto",
    )


def test_batch_groups_are_refused_where_lightning_counts_steps(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        ["data.batches_per_step=4", "trainer.gradient_clip_val=1.0"],
        "data.batches_per_step: 4 cannot be used with trainer.gradient_clip_val; use 1 or auto",
    )

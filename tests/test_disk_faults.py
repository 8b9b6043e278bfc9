"""Disk faults on real filesystems: a run directory that cannot be made, a log path that is a file, and a
small tmpfs mounted for the test (root only), filled to the brim or remounted read-only mid-run."""

import errno
import subprocess
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

from dlr.records import read_record
from dlr.run.train import train
from tests.conftest import run_cli


def _mount(directory: Path, options: str) -> None:
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")


@pytest.fixture
def small_disk(tmp_path):
    """``tmp_path/outputs``, where make_cfg's runs write, as a 16 MiB tmpfs of its own."""
    disk = tmp_path / "outputs"
    disk.mkdir()
    _mount(disk, "size=16m")
    yield disk
    subprocess.run(["umount", "--lazy", str(disk)], check=True)


def fill(disk: Path) -> None:
    """Write zeros until the filesystem refuses another byte, as another process filling the disk would."""
    with open(disk / "filler", "ab", buffering=0) as filler:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    filler.write(bytes(chunk))
            except OSError as error:
                assert error.errno == errno.ENOSPC


class FillDisk(pl.Callback):
    """Another process fills the run's disk, or remounts it read-only, as epoch ``at_epoch`` starts."""

    def __init__(self, disk: str, at_epoch: int = 1, read_only: bool = False):
        self.disk, self.at_epoch, self.read_only = Path(disk), at_epoch, read_only

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.current_epoch != self.at_epoch:
            return
        fill(self.disk)
        if self.read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(self.disk)], check=True)


def _train_until_the_disk_fails(make_cfg, capsys, disk: Path, read_only: bool) -> tuple[dict, str, Path]:
    filler = "tests.test_disk_faults.FillDisk"
    cfg = make_cfg(
        [
            "data.num_samples=1000",
            "logger=none",
            "trainer.max_epochs=3",
            "callbacks.last_checkpoint.every_s=0",  # last.ckpt after every epoch
            f"+callbacks.fill_disk._target_={filler}",
            f"+callbacks.fill_disk.disk={disk}",
            f"+callbacks.fill_disk.read_only={read_only}",
        ]
    )
    with pytest.raises(SystemExit) as exit_info:
        train(cfg)
    assert exit_info.value.code == 1
    message = capsys.readouterr().err.strip()
    assert message.splitlines() == [message] and "Traceback" not in message, message
    return read_record(cfg.paths.output_dir), message, Path(cfg.paths.output_dir) / "checkpoints"


def _assert_the_first_epochs_checkpoints_are_whole(checkpoints: Path) -> None:
    """The epoch-0 checkpoints load as saved; no half-written one lies beside them."""
    assert sorted(p.name for p in checkpoints.iterdir()) == ["best-epoch000.ckpt", "last.ckpt"]
    for path in checkpoints.iterdir():
        checkpoint = torch.load(path, weights_only=True)
        assert checkpoint["epoch"] == 0 and checkpoint["global_step"] > 0


def test_a_disk_filled_mid_run_fails_the_run_in_its_record_and_keeps_the_last_good_checkpoint(
    make_cfg, capsys, small_disk
):
    record, message, checkpoints = _train_until_the_disk_fails(make_cfg, capsys, small_disk, read_only=False)
    # Filled to the brim: the record is rewritten within the blocks it already held.
    assert record["status"] == "failed" and "No space left on device" in record["error"]
    assert message == f"error: {record['error']}" and "paths.output_dir: cannot write" in message
    _assert_the_first_epochs_checkpoints_are_whole(checkpoints)


def test_a_disk_where_nothing_can_be_written_says_the_record_could_not_be_updated(
    make_cfg, capsys, small_disk
):
    record, message, checkpoints = _train_until_the_disk_fails(make_cfg, capsys, small_disk, read_only=True)
    assert record["status"] == "running"  # as written before the disk failed
    assert "paths.output_dir: cannot write" in message and "; its record could not be updated (" in message
    assert "Read-only file system" in message
    _assert_the_first_epochs_checkpoints_are_whole(checkpoints)


def test_a_run_started_in_process_on_a_full_disk_is_one_line_and_writes_nothing(make_cfg, capsys, small_disk):
    cfg = make_cfg(["data.num_samples=1000", "logger=none"])
    fill(small_disk)
    with pytest.raises(SystemExit) as exit_info:
        train(cfg)
    message = capsys.readouterr().err.strip()
    assert exit_info.value.code == 1 and message.splitlines() == [message]
    assert "paths.output_dir: cannot write" in message and "No space left on device" in message
    assert read_record(cfg.paths.output_dir) is None


def test_a_full_disk_at_the_start_is_one_line_naming_the_log_dir(small_disk):
    fill(small_disk)
    result = run_cli("trainer.max_epochs=1", log_dir=small_disk / "outputs")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    expected = f"error: paths.log_dir: cannot write in {small_disk / 'outputs'}: No space left on device"
    assert result.stderr.strip().splitlines() == [expected]


@pytest.mark.parametrize(
    ("args", "log_dir", "expected"),
    [
        ([], "/proc/dlr-outputs", "paths.log_dir: cannot create /proc/dlr-outputs: "),
        (["hydra.run.dir=/proc/dlr-run"], None, "paths.output_dir: cannot create /proc/dlr-run: "),
        (
            ["-m", "width=4,8", "hydra.sweep.dir=/proc/dlr-sweep"],
            None,
            "hydra.sweep.dir: cannot create /proc/",
        ),
    ],
    ids=["log dir under /proc", "run dir under /proc", "sweep dir under /proc"],
)
def test_a_directory_that_cannot_be_made_is_one_line_naming_the_key(tmp_path, args, log_dir, expected):
    result = run_cli(*args, log_dir=Path(log_dir) if log_dir else tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {expected}"), line


def test_a_log_path_that_is_a_file_is_one_line_naming_the_key(tmp_path):
    blocker = tmp_path / "outputs"
    blocker.write_text("")
    result = run_cli("trainer.max_epochs=1", log_dir=blocker)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: paths.log_dir: {blocker} is a file, not a directory"
    ]

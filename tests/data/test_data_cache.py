"""Data caches are whole or absent: a truncated or foreign cache is built again, a killed writer leaves none,
and a cache whose unpickling would run code never runs it."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from dlr.data.cache import cached_tensors
from dlr.data.mnist1d import generate_mnist1d
from tests.conftest import ROOT

SETTINGS = dict(num_samples=200, train_split=0.8, dataset_seed=3)


def _cache_file(data_dir: Path) -> Path:
    [path] = (data_dir / "mnist1d").glob("*.pt")
    return path


def test_a_truncated_cache_is_detected_and_rebuilt(tmp_path, capsys):
    first = generate_mnist1d(**SETTINGS, data_dir=str(tmp_path))
    path = _cache_file(tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    again = generate_mnist1d(**SETTINGS, data_dir=str(tmp_path))
    assert torch.equal(again["x"], first["x"]) and torch.equal(again["y_test"], first["y_test"])
    assert f"data.data_dir: the cache {path} is damaged; building it again" in capsys.readouterr().err
    assert path.read_bytes() == whole  # replaced by a whole one


def test_a_cache_missing_a_field_or_carrying_code_is_rebuilt(tmp_path):
    path = tmp_path / "c.pt"
    torch.save({"x": torch.zeros(2)}, path)
    assert set(cached_tensors(path, {"x", "y"}, lambda: {"x": torch.ones(2), "y": torch.ones(2)})) == {
        "x",
        "y",
    }
    marker = tmp_path / "payload_ran"
    torch.save(_Payload(marker), path)
    assert torch.equal(cached_tensors(path, {"x"}, lambda: {"x": torch.ones(1)})["x"], torch.ones(1))
    assert not marker.exists()


class _Payload:
    """Unpickling this would create ``marker``; a weights-only load refuses it first."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.slow  # a fresh interpreter importing torch: seconds on a loaded machine
def test_a_writer_killed_midway_leaves_no_cache(tmp_path):
    # The writer dies (as under kill -9) after the bytes are on disk and before the rename.
    path = tmp_path / "c.pt"
    code = textwrap.dedent(f"""
        import os, torch
        from dlr.data.cache import cached_tensors
        os.fsync = lambda fd: os._exit(137)
        cached_tensors({str(path)!r}, {{"x"}}, lambda: {{"x": torch.zeros(1000)}})
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env).returncode == 137
    assert not path.exists() and len(list(tmp_path.iterdir())) == 1  # only a temp file, which no reader takes
    assert torch.equal(cached_tensors(path, {"x"}, lambda: {"x": torch.ones(3)})["x"], torch.ones(3))
    assert torch.equal(torch.load(path, weights_only=True)["x"], torch.ones(3))

"""model=tabpfn never downloads: without local weights it stops with one line saying so."""

import json

import pytest

from dlr.run.train import train
from tests.conftest import FAST


def test_tabpfn_without_local_weights_fails_clearly(make_cfg, capsys, monkeypatch):
    monkeypatch.delenv("DLR_TABPFN_WEIGHTS", raising=False)
    cfg = make_cfg(["model=tabpfn", "data=penguins", *FAST])
    with pytest.raises(SystemExit):
        train(cfg)
    error = capsys.readouterr().err
    assert "model.estimator.params.weights_path" in error and "never downloads" in error
    assert json.loads(open(f"{cfg.paths.output_dir}/metrics.json").read())["status"] == "failed"

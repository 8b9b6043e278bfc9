"""Several processes: closed-form and counting rules fit what one process fits; only rank 0 writes files.

Each rank sees a disjoint half of the training set; the rules sum their statistics over the ranks, so the
two-process fit must equal the one-process fit on the whole set. Ranks that trained on overlapping samples
(or never combined their halves) would fit other weights, and these tests would fail. The training sets
are even-sized, so the two halves together are exactly the one-process set.
"""

import pytest
import torch
from hydra.utils import get_class
from pytorch_lightning.strategies import FSDPStrategy
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from dlr.quant import export
from dlr.records import write_record
from dlr.run.train import train
from dlr.tasks.competitive import save_u_matrix
from dlr.tasks.counting import save_sequences
from dlr.tasks.pictures import save_samples

SAVE_LAST = [
    "callbacks=none",
    "+callbacks.last_checkpoint._target_=dlr.run.checkpoints.last.LastCheckpoint",
    "+callbacks.last_checkpoint.dirpath=${paths.output_dir}/checkpoints",
    "+callbacks.last_checkpoint.every_s=0",
    "logger=none",
    "trainer.num_sanity_val_steps=0",
    "trainer.max_epochs=1",
]
RULES = {
    "elm": ["data=mnist1d", "data.n_train=2000", "width=64"],
    "least_squares": ["data=diabetes"],
    "hopfield": ["data=patterns", "width=36", "data.n_patterns=4"],
    "markov_chain": ["data=markov_sequences", "data.n_train=300", "data.batch_size=32"],
}


def fit(make_cfg, name: str, overrides: list[str], run_name: str) -> tuple[dict[str, torch.Tensor], dict]:
    """The net's fitted weights (as rank 0 saved them) and the run's record."""
    cfg = make_cfg([f"model={name}", *RULES[name], *SAVE_LAST, *overrides], run_name=run_name)
    record = train(cfg)
    assert record is not None and record["status"] == "completed", record and record.get("error")
    state = torch.load(f"{cfg.paths.output_dir}/checkpoints/last.ckpt", weights_only=True)["state_dict"]
    return {key: value for key, value in state.items() if key.startswith("net.")}, record


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RULES))
def test_two_processes_fit_what_one_process_fits(make_cfg, name):
    single, _ = fit(make_cfg, name, [], "single")
    double, record = fit(make_cfg, name, ["trainer=ddp_sim"], "ddp")
    for rank in (0, 1):  # the record, written once, holds both ranks' peak memory
        assert record["metrics"][f"memory/measured/rank{rank}/peak_rss_bytes"] > 1e7
    assert single.keys() == double.keys()
    for key in single:
        torch.testing.assert_close(double[key], single[key], rtol=1e-5, atol=1e-6, msg=f"{name}: {key}")


@pytest.fixture
def as_rank_one():
    """This process as global rank 1 of a DDP run, as Lightning marks it."""
    rank = rank_zero_only.rank
    rank_zero_only.rank = 1
    yield
    rank_zero_only.rank = rank


def test_only_global_rank_zero_writes_pictures_samples_models_and_records(tmp_path, as_rank_one):
    assert export.save(torch.nn.Linear(4, 2), tmp_path / "model.safetensors") > 40  # measured, not written
    save_samples(torch.rand(4, 1, 8, 8), tmp_path / "samples.png")
    save_sequences(torch.zeros(2, 5, dtype=torch.long), tmp_path / "samples.json")
    save_u_matrix(torch.rand(3, 3), tmp_path / "u_matrix.png")
    write_record(tmp_path, {"status": "completed"})
    assert list(tmp_path.iterdir()) == []


def test_rank_zero_writes_them(tmp_path):
    size = export.save(torch.nn.Linear(4, 2), tmp_path / "model.safetensors")
    assert size == (tmp_path / "model.safetensors").stat().st_size
    save_samples(torch.rand(4, 1, 8, 8), tmp_path / "samples.png")
    save_sequences(torch.zeros(2, 5, dtype=torch.long), tmp_path / "samples.json")
    write_record(tmp_path, {"status": "completed"})
    written = ["metrics.json", "model.safetensors", "samples.json", "samples.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == written


def test_fsdp_config_builds_lightnings_fsdp_strategy(make_cfg):
    cfg = make_cfg(["trainer=fsdp"])
    assert get_class(cfg.trainer.strategy._target_) is FSDPStrategy
    assert cfg.trainer.accelerator == "gpu"  # Lightning refuses FSDP on accelerator=cpu, even over gloo

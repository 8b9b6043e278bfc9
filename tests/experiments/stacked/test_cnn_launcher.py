"""``launcher=stacked`` on dd_cnn through ``python train.py -m``: each cnn (and resnet) member equals its solo
run with ``launcher=basic`` and its checkpoint is read by eval.py as a single run of its width and seed."""

import pytest

from tests.experiments.stacked.test_launcher import _evaluated, _records, _sweep

# Without batch norm the members equal their solo runs to float order (measured: loss rel <= 1.2e-5).
# With it (dd_cnn's default) under Adam, the conv biases before each batch norm have a zero true gradient,
# and Adam scales its rounding noise up to full steps: train metrics still agree to 1e-6, eval-mode ones
# only to about 2e-3 (conf/experiment/dd_cnn.yaml).
SMALL_CNN = [
    "experiment=dd_cnn",
    "data.num_samples=2000",
    "data.label_noise=0.15",
    "model.net.batch_norm=false",
    "data.batch_size=25",  # 20 steps an epoch: enough in 3 epochs to beat chance
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "net", [[], ["model=resnet", "depth=1", "model.net.stages=2"]], ids=["cnn", "resnet"]
)
def test_stacked_conv_members_equal_solo_runs_and_load_in_eval(tmp_path, data_dir, net):
    grid = [*SMALL_CNN, *net, "trainer.max_epochs=3", "width=3,8,20", "seed=0,1", "torch_threads=1"]
    _sweep(tmp_path, data_dir, "stacked", *grid, "launcher=stacked")
    _sweep(tmp_path, data_dir, "basic", *grid, "launcher=basic")
    stacked, solo = _records(tmp_path / "stacked"), _records(tmp_path / "basic")
    assert sorted(stacked) == sorted(solo) == list(range(6))
    for job, record in stacked.items():
        mine, theirs = record["metrics"], solo[job]["metrics"]
        assert record["status"] == "completed" and "padding_share" in record["stacked"]
        assert mine["params/total"] == theirs["params/total"]
        assert mine["test/acc"] == theirs["test/acc"] and mine["train/acc"] == theirs["train/acc"]
        for key in ("test/loss", "train/loss"):
            assert abs(mine[key] / theirs[key] - 1) < 1e-4, (job, key, mine[key], theirs[key])
    assert max(r["metrics"]["test/acc"] for r in stacked.values()) > 0.15  # beyond chance (0.1)

    scored, printed = _evaluated(tmp_path, stacked[4])  # width 20, seed 0
    assert scored["test/acc"] == stacked[4]["metrics"]["test/acc"], printed[-1000:]
    assert abs(scored["test/loss"] / stacked[4]["metrics"]["test/loss"] - 1) < 1e-5

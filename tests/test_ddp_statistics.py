"""Closed-form and counting rules under DDP: two processes fit what one process fits.

Each rank sees a disjoint half of the training set; the rules sum their statistics over the ranks, so the
two-process fit must equal the one-process fit on the whole set. Ranks that trained on overlapping samples
(or never combined their halves) would fit other weights, and these tests would fail. The training sets
are even-sized, so the two halves together are exactly the one-process set.
"""

import pytest
import torch

from dlr.run import train

SAVE_LAST = [
    "callbacks=none",
    "+callbacks.last_checkpoint._target_=dlr.last_checkpoint.LastCheckpoint",
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


def fitted_weights(make_cfg, name: str, overrides: list[str], run_name: str) -> dict[str, torch.Tensor]:
    cfg = make_cfg([f"model={name}", *RULES[name], *SAVE_LAST, *overrides], run_name=run_name)
    record = train(cfg)
    assert record is not None and record["status"] == "completed", record and record.get("error")
    state = torch.load(f"{cfg.paths.output_dir}/checkpoints/last.ckpt", weights_only=True)["state_dict"]
    return {key: value for key, value in state.items() if key.startswith("net.")}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RULES))
def test_two_processes_fit_what_one_process_fits(make_cfg, name):
    single = fitted_weights(make_cfg, name, [], "single")
    double = fitted_weights(make_cfg, name, ["trainer=ddp_sim"], "ddp")
    assert single.keys() == double.keys()
    for key in single:
        torch.testing.assert_close(double[key], single[key], rtol=1e-5, atol=1e-6, msg=f"{name}: {key}")

"""Markov chain: smoothed counts beat the unigram baseline on held-out sequences; counts survive eval.py."""

import json
from pathlib import Path

import pytest
import torch

from dlr.nets.markov_chain import MarkovChain
from dlr.run.evaluate import evaluate
from dlr.run.train import train

MARKOV = [
    "model=markov_chain",
    "data=markov_sequences",
    "trainer.max_epochs=2",
    "logger=none",
    "trainer.num_sanity_val_steps=0",
]


def test_held_out_log_likelihood_beats_unigram_and_nears_the_true_chain(make_cfg):
    trained = train(make_cfg(MARKOV, run_name="train"))
    metrics = trained["metrics"]
    true_ll = trained["data"]["baseline/test_true_ll"]
    # Baselines: the unigram model (no memory) and the uniform one; ceiling: the generating chain.
    assert (
        metrics["test/log_likelihood"] > metrics["test/ll_unigram"] + 0.5 > metrics["test/ll_uniform"] + 0.5
    )
    assert metrics["test/log_likelihood"] == pytest.approx(true_ll, abs=0.05)
    assert len(json.loads((Path(trained["run_dir"]) / "samples.json").read_text())["samples"]) == 5

    last = Path(trained["run_dir"]) / "checkpoints" / "last.ckpt"
    evaluated = evaluate(make_cfg([f"ckpt_path={last}", "logger=none"], config_name="eval", run_name="eval"))
    assert evaluated["metrics"]["test/log_likelihood"] == pytest.approx(
        metrics["test/log_likelihood"], abs=1e-6
    )


def test_samples_follow_the_fitted_transitions():
    chain = MarkovChain((10,), 3, smoothing=0.0)
    chain.count(torch.tensor([[0, 1, 2, 0, 1, 2, 0]]), torch.tensor([[1, 2, 0, 1, 2, 0, 1]]))
    samples = chain.sample(4, 12, torch.Generator().manual_seed(0))
    assert torch.equal((samples[:, :-1] + 1) % 3, samples[:, 1:])  # a deterministic cycle 0 -> 1 -> 2 -> 0

"""NTM: content and location addressing behave, it learns to copy, and a checkpoint round-trips."""

from pathlib import Path

import pytest
import torch

from dlr.nets import memory_addressing as addressing
from dlr.nets.ntm import NTM
from dlr.run.evaluate import evaluate
from dlr.run.train import train
from tests.nets.memory_setup import TINY_COPY, one_thread  # noqa: F401  (fixture)

CHANCE = 0.5  # random target bits: any output that ignores the input gets half of them wrong


def test_content_weights_are_a_distribution_peaked_on_the_matching_slot():
    memory = torch.eye(4).unsqueeze(0)  # slot i holds unit vector i
    key = torch.tensor([[[0.0, 0.0, 3.0, 0.0]]])  # same direction as slot 2, another length
    weak, strong = (addressing.content_weights(memory, key, torch.tensor([[beta]])) for beta in (1.0, 50.0))
    assert torch.allclose(weak.sum(-1), torch.ones(1, 1)) and torch.allclose(strong.sum(-1), torch.ones(1, 1))
    assert (
        weak.argmax() == 2 and strong[0, 0, 2] > 0.99 > weak[0, 0, 2]
    )  # the key strength sharpens the focus


def test_gate_shift_and_sharpen_move_a_focus_one_slot():
    previous = torch.zeros(1, 1, 5)
    previous[..., 1] = 1.0
    content = torch.full((1, 1, 5), 0.2)
    kept = addressing.interpolate(content, previous, torch.zeros(1, 1))
    assert torch.equal(kept, previous) and torch.equal(
        addressing.interpolate(content, previous, torch.ones(1, 1)), content
    )
    blurred = addressing.circular_shift(kept, torch.tensor([[[0.1, 0.2, 0.7]]]))  # mostly +1
    assert torch.allclose(blurred, torch.tensor([[[0.1, 0.2, 0.7, 0.0, 0.0]]]))
    wrapped = addressing.circular_shift(torch.eye(5)[4].view(1, 1, 5), torch.tensor([[[0.0, 0.0, 1.0]]]))
    assert wrapped[0, 0, 0] == 1.0  # the last slot shifts round to the first
    sharpened = addressing.sharpen(blurred, torch.tensor([[20.0]]))
    assert torch.allclose(sharpened.sum(-1), torch.ones(1, 1)) and sharpened[0, 0, 2] > 0.99


def test_erase_and_add_change_only_the_addressed_slot():
    memory = torch.ones(1, 3, 2)
    weights = torch.tensor([[[0.0, 1.0, 0.0]]])
    written = addressing.erase_and_add(memory, weights, torch.ones(1, 1, 2), torch.tensor([[[5.0, -5.0]]]))
    assert torch.equal(written, torch.tensor([[[1.0, 1.0], [5.0, -5.0], [1.0, 1.0]]]))
    assert torch.equal(addressing.read(written, weights), torch.tensor([[[5.0, -5.0]]]))


def test_every_head_weighting_stays_a_distribution():
    torch.manual_seed(0)
    net = NTM((6, 5), 4, width=10, word_size=6, read_heads=2)
    state = net.initial_state(3, torch.zeros(3, 6, 5))
    for _ in range(4):
        interface = {name: 3 * torch.randn(3, size) for name, size in net.interface_sizes.items()}
        reads, state = net.memory_step(interface, state)
        assert torch.allclose(state["weights"].sum(-1), torch.ones(3, 3), atol=1e-5)
    assert reads.shape == (3, 2 * 6) and net(torch.randn(3, 6, 5)).shape == (3, 6, 4)


def test_ntm_learns_to_copy_short_sequences(make_cfg, one_thread):  # noqa: F811
    record = train(make_cfg(["model=ntm", *TINY_COPY, "trainer.max_epochs=10"]))  # 290 steps of 32 sequences
    assert record["status"] == "completed"
    assert record["metrics"]["test/bit_error"] < 0.1 < CHANCE  # measured 0.05 (seeds 0, 1)


@pytest.mark.slow
def test_ntm_copies_almost_perfectly_and_beyond_its_training_lengths(make_cfg, one_thread):  # noqa: F811
    record = train(make_cfg(["model=ntm", *TINY_COPY, "trainer.max_epochs=40"]))
    assert record["metrics"]["test/bit_error"] < 0.02
    assert record["metrics"]["test/bit_error_long"] < 0.25 < CHANCE  # lengths 4-5, never trained on


def test_checkpoint_round_trip_gives_the_same_test_metric(make_cfg, one_thread):  # noqa: F811
    overrides = [
        "model=ntm",
        *TINY_COPY,
        "trainer.max_epochs=1",
        "callbacks=default",
        "~callbacks.progress_bar",
    ]
    trained = train(make_cfg(overrides))
    checkpoint = Path(trained["run_dir"]) / "checkpoints" / "last.ckpt"
    evaluated = evaluate(
        make_cfg([f"ckpt_path={checkpoint}", "logger=none"], config_name="eval", run_name="eval")
    )
    assert evaluated["status"] == "completed"
    for key in ("test/bit_error", "test/bit_error_long", "test/loss"):
        assert evaluated["metrics"][key] == pytest.approx(trained["metrics"][key], abs=1e-6)

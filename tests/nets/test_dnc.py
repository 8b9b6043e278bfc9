"""DNC: allocation, usage and temporal links behave, and it learns to copy far better than chance."""

import pytest
import torch

from dlr.nets import memory_addressing as addressing
from dlr.nets.dnc import DNC
from dlr.run.train import train
from tests.nets.memory_setup import TINY_COPY, one_thread  # noqa: F401  (fixture)

CHANCE = 0.5  # random target bits: any output that ignores the input gets half of them wrong


def test_allocation_prefers_the_least_used_slot_and_vanishes_when_memory_is_full():
    allocation = addressing.allocation_weights(torch.tensor([[0.9, 0.1, 0.5, 1.0]]))
    assert allocation.argmax() == 1 and allocation[0, 3] < 1e-3
    assert allocation.sum() <= 1.0 + 1e-6 and (allocation >= 0).all()
    assert torch.allclose(
        addressing.allocation_weights(torch.tensor([[0.0, 1.0, 1.0]])),
        torch.tensor([[1.0, 0.0, 0.0]]),
        atol=1e-5,
    )
    assert addressing.allocation_weights(torch.ones(1, 4)).sum() < 1e-4


def test_usage_rises_where_written_and_falls_where_freed():
    usage = torch.zeros(1, 3)
    written = torch.tensor([[0.0, 1.0, 0.0]])
    no_reads = torch.zeros(1, 1, 3)
    usage = addressing.update_usage(usage, written, torch.zeros(1, 1), no_reads)
    assert torch.equal(usage, written)
    read_slot_1 = torch.tensor([[[0.0, 1.0, 0.0]]])
    kept = addressing.update_usage(usage, torch.zeros(1, 3), torch.zeros(1, 1), read_slot_1)
    freed = addressing.update_usage(usage, torch.zeros(1, 3), torch.ones(1, 1), read_slot_1)
    assert kept[0, 1] == 1.0 and freed[0, 1] == 0.0


def test_links_record_the_order_of_writes():
    links, precedence = torch.zeros(1, 4, 4), torch.zeros(1, 4)
    for slot in (2, 0, 3):
        links, precedence = addressing.update_links(links, precedence, torch.eye(4)[slot].unsqueeze(0))
    assert links[0, 0, 2] == 1.0 and links[0, 3, 0] == 1.0 and links.sum() == 2.0  # 0 came after 2, 3 after 0
    assert torch.equal(precedence, torch.eye(4)[3].unsqueeze(0))  # the last write
    assert (links.diagonal(dim1=1, dim2=2) == 0).all()
    forward, backward = addressing.follow_links(links, torch.eye(4)[0].view(1, 1, 4))
    assert forward.argmax() == 3 and backward.argmax() == 2  # from slot 0: next written 3, previous 2


def test_soft_writes_keep_links_and_weightings_bounded():
    torch.manual_seed(0)
    net = DNC((6, 5), 4, width=6, word_size=4, read_heads=2)
    state = net.initial_state(3, torch.zeros(3, 6, 5))
    for _ in range(6):
        interface = {name: 3 * torch.randn(3, size) for name, size in net.interface_sizes.items()}
        reads, state = net.memory_step(interface, state)
        links = state["links"]
        assert (links >= 0).all() and (links.sum(1) <= 1 + 1e-5).all() and (links.sum(2) <= 1 + 1e-5).all()
        assert (state["write_weights"].sum(-1) <= 1 + 1e-5).all() and (
            state["read_weights"].sum(-1) <= 1 + 1e-5
        ).all()
        assert ((state["usage"] >= 0) & (state["usage"] <= 1)).all()
    assert reads.shape == (3, 2 * 4) and net(torch.randn(3, 6, 5)).shape == (3, 6, 4)


def test_dnc_learns_to_copy_far_better_than_chance(make_cfg, one_thread):  # noqa: F811
    record = train(make_cfg(["model=dnc", *TINY_COPY, "trainer.max_epochs=6"]))  # 174 steps of 32 sequences
    assert record["status"] == "completed"
    assert record["metrics"]["test/bit_error"] < 0.25 < CHANCE


@pytest.mark.slow
def test_dnc_learns_associative_recall_better_than_chance(make_cfg, one_thread):  # noqa: F811
    recall = [
        "data=recall",
        "data.bits=4",
        "data.item_len=2",
        "data.max_len=3",
        "data.num_samples=2048",
        "data.num_test=128",
    ]
    sizes = ["width=16", "model.net.word_size=8", "model.net.controller_size=32"]
    fast = [option for option in TINY_COPY if not option.startswith(("data", "width", "model.net"))]
    record = train(make_cfg(["model=dnc", *recall, *sizes, *fast, "trainer.max_epochs=15"]))
    assert record["metrics"]["test/bit_error"] < 0.3 < CHANCE

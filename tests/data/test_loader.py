import torch

from dlr.data.loader import TensorLoader
from dlr.data.placement import choose_placement


def test_batches_cover_every_sample_once_per_epoch():
    x = torch.arange(10).float().unsqueeze(1)
    loader = TensorLoader((x, torch.arange(10)), batch_size=4, shuffle=True, seed=1)
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [4, 4, 2] and len(loader) == 3
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(10))


def test_shuffle_depends_on_seed_and_epoch_only():
    tensors = (torch.arange(50),)
    first = torch.cat([b[0] for b in TensorLoader(tensors, 50, shuffle=True, seed=3, epoch_fn=lambda: 7)])
    again = torch.cat([b[0] for b in TensorLoader(tensors, 50, shuffle=True, seed=3, epoch_fn=lambda: 7)])
    other_epoch = torch.cat(
        [b[0] for b in TensorLoader(tensors, 50, shuffle=True, seed=3, epoch_fn=lambda: 8)]
    )
    assert torch.equal(first, again) and not torch.equal(first, other_epoch)


def test_ranks_take_equal_disjoint_shares():
    tensors = (torch.arange(11),)
    shares = [
        torch.cat([b[0] for b in TensorLoader(tensors, 2, shuffle=True, rank=r, world_size=2)])
        for r in (0, 1)
    ]
    assert len(shares[0]) == len(shares[1]) == 5
    assert not set(shares[0].tolist()) & set(shares[1].tolist())


def test_data_goes_to_the_device_when_it_fits_a_quarter_of_free_memory():
    gib = 2**30
    assert choose_placement(1 * gib, free_device_bytes=8 * gib) == "device"
    assert choose_placement(2 * gib, free_device_bytes=8 * gib) == "device"  # exactly a quarter
    assert choose_placement(2 * gib + 1, free_device_bytes=8 * gib) == "pinned"
    assert choose_placement(1, free_device_bytes=None) == "host"  # no accelerator
    assert choose_placement(3 * gib, free_device_bytes=8 * gib, fraction=0.5) == "device"


def test_a_cpu_loader_keeps_its_tensors_where_they_are():
    x = torch.arange(6).float()
    loader = TensorLoader((x,), batch_size=4, device=torch.device("cpu"))
    assert loader.placement == "host" and loader.tensors[0] is x

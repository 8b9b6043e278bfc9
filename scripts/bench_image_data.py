"""Image data speed: dlr's in-memory path against a hand loop and torchvision's per-sample path, one epoch.

    python scripts/bench_image_data.py [--n 50000] [--width 16] [--batch 512] [--workers 2] [--device cpu]

A CIFAR-10-shaped set (50,000 + 10,000 random 3x32x32 images) is written in CIFAR's real format (pickled
batches), read through ``data=cifar10`` (torchvision's CIFAR10 class, its checksum table set to the written
files' MD5s) and trained for one epoch of ``model=resnet`` with ``augment=flip_crop`` on its first ``--n``
training images, three ways, with the same net, optimizer (AdamW) and batch size:

- ``dlr``: ``dlr.run.train.train`` (the in-memory path, batched augmentation on the device), callbacks and
  logger off, no validation or test; its ``fit_s`` from the run record;
- ``hand``: a hand-written loop over the same normalised tensors: the epoch's shuffle, the same batched
  augmentation (:class:`dlr.data.augment.BatchAugment`), forward, cross-entropy, backward, step;
- ``per_sample``: torchvision's ``CIFAR10`` Dataset with ``transforms.v2`` (ToImage, ToDtype, Normalize,
  RandomCrop with padding 4, RandomHorizontalFlip) through a ``DataLoader`` with ``--workers`` workers.

Prints JSON: each path's samples/s, dlr / hand, the in-memory path's speed-up over the per-sample one, and
augmentation's share of dlr's and the hand loop's time (the augmentation calls timed, synchronised on CUDA).
"""

import argparse
import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from torchvision import datasets  # noqa: E402
from torchvision.transforms import v2  # noqa: E402

from dlr import console  # noqa: E402
from dlr.config.compose import compose_config  # noqa: E402
from dlr.data import augment  # noqa: E402
from dlr.data.loader import epoch_order  # noqa: E402
from dlr.run.train import train  # noqa: E402
from dlr.tasks.from_config import build_datamodule, build_task  # noqa: E402


def write_cifar10(root: Path, seed: int = 0) -> None:
    """50,000 + 10,000 random images as CIFAR-10's pickled batches, the class's MD5 table set to theirs."""
    rng = np.random.default_rng(seed)
    folder = root / datasets.CIFAR10.base_folder
    folder.mkdir(parents=True, exist_ok=True)
    names = [name for name, _ in datasets.CIFAR10.train_list + datasets.CIFAR10.test_list]
    for name in names:
        data = rng.integers(0, 256, size=(10_000, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=10_000).tolist()
        (folder / name).write_bytes(pickle.dumps({"batch_label": name, "data": data, "labels": labels}))
    meta = {"label_names": [f"class_{i}" for i in range(10)], "num_cases_per_batch": 10_000}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta))
    sums = {name: hashlib.md5((folder / name).read_bytes()).hexdigest() for name in [*names, "batches.meta"]}
    datasets.CIFAR10.train_list = [[n, sums[n]] for n, _ in datasets.CIFAR10.train_list]
    datasets.CIFAR10.test_list = [[n, sums[n]] for n, _ in datasets.CIFAR10.test_list]
    datasets.CIFAR10.meta = {**datasets.CIFAR10.meta, "md5": sums["batches.meta"]}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class TimedAugment:
    """Seconds spent inside ``BatchAugment.__call__`` (synchronised before and after on CUDA)."""

    def __init__(self):
        self.seconds, self.original = 0.0, augment.BatchAugment.__call__
        timer = self

        def timed(instance, batch, key):
            synchronize(batch[0].device)
            start = time.perf_counter()
            out = timer.original(instance, batch, key)
            synchronize(batch[0].device)
            timer.seconds += time.perf_counter() - start
            return out

        augment.BatchAugment.__call__ = timed

    def restore(self) -> None:
        augment.BatchAugment.__call__ = self.original


def step(net, optimizer, x, y) -> None:
    loss = F.cross_entropy(net(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def model_and_optimizer(cfg, datamodule, device):
    torch.manual_seed(cfg.seed)
    net = build_task(cfg, datamodule).net.to(device)
    return net, torch.optim.AdamW(
        net.parameters(), lr=cfg.optimizer.lr, weight_decay=cfg.optimizer.weight_decay
    )


def warm_up(cfg, datamodule, device, steps: int = 3) -> None:
    """A few steps first, so that no path pays for the kernels' first calls (allocation, tuning)."""
    net, optimizer = model_and_optimizer(cfg, datamodule, device)
    x, y = (
        datamodule.train.x[: cfg.data.batch_size].to(device),
        datamodule.train.y[: cfg.data.batch_size].to(device),
    )
    for _ in range(steps):
        step(net, optimizer, x, y)
    synchronize(device)


def hand_epoch(cfg, datamodule, device) -> tuple[float, float]:
    """(seconds, seconds in augmentation) of one epoch over the datamodule's own normalised tensors."""
    net, optimizer = model_and_optimizer(cfg, datamodule, device)
    batch_augment = datamodule.batch_augment
    x, y, batch = datamodule.train.x.to(device), datamodule.train.y.to(device), cfg.data.batch_size
    synchronize(device)
    start, augmenting = time.perf_counter(), 0.0
    order = epoch_order(len(x), cfg.seed, 0).to(device)
    xs, ys = x[order], y[order]
    for number, i in enumerate(range(0, len(x), batch)):
        synchronize(device)
        began = time.perf_counter()
        xb, yb = batch_augment((xs[i : i + batch], ys[i : i + batch]), (0, 0, number))
        synchronize(device)
        augmenting += time.perf_counter() - began
        step(net, optimizer, xb, yb)
    synchronize(device)
    return time.perf_counter() - start, augmenting


def per_sample_epoch(cfg, datamodule, root: Path, workers: int, device) -> float:
    """Seconds of one epoch through torchvision's Dataset, transforms.v2 and a DataLoader."""
    mean, std = datamodule.normalization
    transform = v2.Compose(
        [
            v2.ToImage(),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(mean, std),
            v2.RandomCrop(32, padding=4),
            v2.RandomHorizontalFlip(),
        ]
    )
    dataset = datasets.CIFAR10(str(root), train=True, transform=transform)
    subset = torch.utils.data.Subset(dataset, datamodule.source_indices["train"].tolist())
    loader = torch.utils.data.DataLoader(
        subset,
        batch_size=cfg.data.batch_size,
        shuffle=True,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=False,
    )
    net, optimizer = model_and_optimizer(cfg, datamodule, device)
    synchronize(device)
    start = time.perf_counter()
    for xb, yb in loader:
        step(net, optimizer, xb.to(device, non_blocking=True), yb.to(device, non_blocking=True))
    synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    os.environ.pop("PYTORCH_NVML_BASED_CUDA_CHECK", None)  # as bench_overhead.py: dlr drops it on CPU too
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="training images of the epoch (at most 50,000)")
    parser.add_argument("--width", type=int, default=16, help="the resnet's channels")
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--workers", type=int, default=2, help="the per-sample DataLoader's worker processes")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as tmp, console.to_stderr():
        root = Path(tmp) / "cifar"
        write_cifar10(root)
        overrides = [
            "data=cifar10",
            f"data.root={root}",
            "data.download=false",
            f"data.data_dir={tmp}/decoded",
            "data.val_fraction=0",
            f"data.n_train={args.n}",
            f"data.batch_size={args.batch}",
            "model=resnet",
            f"width={args.width}",
            "augment=flip_crop",
            "callbacks=none",
            "logger=none",
            "trainer.max_epochs=1",
            "trainer.num_sanity_val_steps=0",
            "test=false",
            *(["trainer=gpu"] if device.type == "cuda" else []),
        ]
        cfg = compose_config(overrides, Path(tmp) / "run", log_dir=tmp)
        datamodule = build_datamodule(cfg)  # decodes the files once into the cache the dlr run reads
        warm_up(cfg, datamodule, device)
        hand_s, hand_augment_s = hand_epoch(cfg, datamodule, device)
        timer = TimedAugment()
        try:
            record = train(cfg)
        finally:
            timer.restore()
        dlr_s = record["timing"]["fit_s"]
        per_sample_s = per_sample_epoch(cfg, datamodule, root, args.workers, device)
    n = len(datamodule.train.x)
    speed = {
        name: n / seconds
        for name, seconds in (("dlr", dlr_s), ("hand", hand_s), ("per_sample", per_sample_s))
    }
    print(
        json.dumps(
            {
                "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                "threads": torch.get_num_threads(),
                "images": n,
                "width": args.width,
                "batch": args.batch,
                "per_sample_workers": args.workers,
                "samples_per_s": {name: round(value, 1) for name, value in speed.items()},
                "dlr_over_hand": round(speed["dlr"] / speed["hand"], 3),
                "in_memory_over_per_sample": round(speed["dlr"] / speed["per_sample"], 2),
                "augment_share_of_dlr_fit": round(timer.seconds / dlr_s, 4),
                "augment_share_of_hand_epoch": round(hand_augment_s / hand_s, 4),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

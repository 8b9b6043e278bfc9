"""Framework overhead: dlr's real training path against a hand-written PyTorch loop, same MLP, data and steps.

    python scripts/bench_overhead.py [--widths 16 100 300] [--epochs 20] [--repeats 3] [--compile]

Both sides train the same MLP on the same MNIST-1D tensors with AdamW at the same batch size for the same
number of steps. The hand loop slices shuffled tensors; dlr goes through ``dlr.run.train.train`` with its default
callbacks (checkpointing) and CSV logger, validation disabled since the hand loop has none. Both time
training only: dlr's ``fit_s`` from the run record, the hand loop its epochs. Prints JSON with
samples/s of each and their ratio (dlr / hand; 1.0 means no overhead), for dlr's default
(``data.batches_per_step=auto``: 32 batches per Lightning step here) and for one batch per Lightning step.
This machine's speed drifts by tens of percent between seconds, so each dlr run is paired with a hand-loop
run just before it; the ratio is the median over ``repeats`` pairs, with their range.
``--compile`` adds each setting with ``compile=true``: its ``fit_s`` includes compiling (inductor's on-disk
cache makes repeats after the first cheaper), as a user's run pays it.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr import console  # noqa: E402
from dlr.config.compose import compose_config  # noqa: E402
from dlr.run.train import train  # noqa: E402
from dlr.tasks.from_config import build_datamodule, build_task  # noqa: E402


def overrides(width: int, epochs: int) -> list[str]:
    return [
        f"width={width}",
        f"trainer.max_epochs={epochs}",
        "trainer.limit_val_batches=0",
        "trainer.num_sanity_val_steps=0",
        "test=false",
    ]


def hand_loop_seconds(cfg, epochs: int) -> tuple[float, int]:
    """The reference: no framework, only tensors, the same net and optimizer."""
    torch.manual_seed(cfg.seed)
    datamodule = build_datamodule(cfg)
    net = build_task(cfg, datamodule).net
    optimizer = torch.optim.AdamW(
        net.parameters(), lr=cfg.optimizer.lr, weight_decay=cfg.optimizer.weight_decay
    )
    x, y, batch = datamodule.train.x, datamodule.train.y, cfg.data.batch_size
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(x))
        xs, ys = x[order], y[order]
        for i in range(0, len(x), batch):
            loss = torch.nn.functional.cross_entropy(net(xs[i : i + batch]), ys[i : i + batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start, len(x) * epochs


def dlr_seconds(cfg) -> float:
    """Seconds of ``trainer.fit`` in a real run, as its record states (setup excluded, as for the hand loop)."""
    record = train(cfg)
    assert record and record["status"] == "completed", record
    return record["timing"]["fit_s"]


def main() -> None:
    # Importing Lightning sets this, which makes each optimizer step probe for NVML on a machine without a GPU;
    # dlr's trainer drops it on CPU (dlr/run/build.py), so the hand loop must not pay for it either.
    os.environ.pop("PYTORCH_NVML_BASED_CUDA_CHECK", None)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 100, 300])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=torch.get_num_threads(), help="torch intra-op threads for both sides"
    )
    parser.add_argument(
        "--batches-per-step", nargs="+", default=["auto", "1"], help="data.batches_per_step values"
    )
    parser.add_argument("--compile", action="store_true", help="also each of them with compile=true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {"epochs": args.epochs, "threads": torch.get_num_threads(), "widths": {}}
    # Each variant: its name in the JSON and its extra overrides.
    variants = {f"batches_per_step_{k}": [f"data.batches_per_step={k}"] for k in args.batches_per_step}
    if args.compile:
        variants.update(
            {f"{name}_compiled": [*extra, "compile=true"] for name, extra in list(variants.items())}
        )
    with tempfile.TemporaryDirectory() as tmp, console.to_stderr():
        for width in args.widths:
            hand, ours, ratios = [], {k: [] for k in variants}, {k: [] for k in variants}
            for repeat in range(args.repeats):
                for k, extra in variants.items():
                    run_dir = Path(tmp) / f"w{width}_{k}_{repeat}"
                    cfg = compose_config([*overrides(width, args.epochs), *extra], run_dir, log_dir=tmp)
                    seconds, samples = hand_loop_seconds(
                        cfg, args.epochs
                    )  # right before, on the same machine state
                    hand.append(samples / seconds)
                    ours[k].append(samples / dlr_seconds(cfg))
                    ratios[k].append(ours[k][-1] / hand[-1])
            row = {"hand_samples_per_s": round(median(hand))}
            for k in variants:
                row[f"dlr_{k}"] = {
                    "samples_per_s": round(median(ours[k])),
                    "ratio": round(median(ratios[k]), 3),
                    "ratio_range": [round(min(ratios[k]), 3), round(max(ratios[k]), 3)],
                }
            results["widths"][str(width)] = row
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

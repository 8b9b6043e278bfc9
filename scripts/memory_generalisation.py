"""Generalisation to longer sequences: NTM and DNC against an LSTM of similar parameter count.

    python scripts/memory_generalisation.py [--data copy|recall] [--epochs 15] [--out DIR] [--threads 1]

The three nets train on the same generated data (lengths min_len..max_len) with the same optimizer and
budget, through dlr's own builders and configs. Each is then scored on fresh sequences of every length
from min_len to test_max_len; lengths above max_len were never seen in training. The LSTM's hidden size is
picked so its parameter count is closest to the mean of the NTM's and the DNC's. Prints JSON (bit error
per length, parameter counts, training seconds) and saves bit_error_by_length.png in --out.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytorch_lightning as pl  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr.config.compose import compose_config  # noqa: E402
from dlr.run.build import build_trainer  # noqa: E402
from dlr.tasks.base import count_parameters  # noqa: E402
from dlr.tasks.from_config import build_datamodule, build_net, build_task  # noqa: E402
from dlr.tasks.sequence_to_sequence import bit_errors  # noqa: E402

DATA = {
    "copy": ["data=copy", "data.bits=6", "data.max_len=5", "data.test_max_len=12", "data.num_samples=2048"],
    "recall": [
        "data=recall",
        "data.bits=6",
        "data.item_len=2",
        "data.max_len=4",
        "data.test_max_len=8",
        "data.num_samples=2048",
    ],
}
MEMORY = ["width=16", "model.net.word_size=16", "model.net.controller_size=64"]
COMMON = [
    "callbacks=none",
    "logger=none",
    "trainer.num_sanity_val_steps=0",
    "optimizer.lr=0.01",
    "optimizer.weight_decay=0",
]


def configure(model: str, data: str, epochs: int, width: int | None, out: Path):
    sizes = MEMORY if model != "lstm_seq2seq" else [f"width={width}"]
    overrides = [f"model={model}", *DATA[data], *sizes, *COMMON, f"trainer.max_epochs={epochs}"]
    return compose_config(overrides, out / model, data_dir=out / "data", log_dir=out)


def lstm_width_matching(data: str, target_params: float, out: Path) -> int:
    cfg = configure("lstm_seq2seq", data, 1, 1, out)
    datamodule = build_datamodule(cfg)

    def params(width: int) -> int:
        return count_parameters(build_net(cfg, datamodule, width=width))["params/total"]

    return min(range(8, 257, 4), key=lambda width: abs(params(width) - target_params))


@torch.no_grad()
def bit_error_by_length(
    net: torch.nn.Module, datamodule, lengths: range, per_length: int = 256
) -> dict[int, float]:
    net.eval()
    generator = torch.Generator().manual_seed(12345)  # fresh sequences, the same for every net
    errors = {}
    for length in lengths:
        split = datamodule.examples(per_length, length, length, generator)
        errors[length] = round(float(bit_errors(net(split.x), split.y).mean()), 4)
    return errors


def train_and_measure(model: str, data: str, epochs: int, width: int | None, out: Path) -> dict:
    cfg = configure(model, data, epochs, width, out)
    pl.seed_everything(cfg.seed, verbose=False)
    datamodule = build_datamodule(cfg)
    task = build_task(cfg, datamodule)
    started = time.time()
    build_trainer(cfg, [], []).fit(task, datamodule=datamodule)
    lengths = range(datamodule.min_len, datamodule.test_max_len + 1)
    return {
        "params": count_parameters(task.net)["params/total"],
        "train_seconds": round(time.time() - started, 1),
        "max_train_len": datamodule.max_len,
        "bit_error": bit_error_by_length(task.net, datamodule, lengths),
    }


def plot(results: dict, data: str, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(6, 4))
    for model, result in results.items():
        lengths = list(result["bit_error"])
        axes.plot(
            lengths,
            list(result["bit_error"].values()),
            marker="o",
            label=f"{model} ({result['params']:,} params)",
        )
    axes.axvline(
        next(iter(results.values()))["max_train_len"] + 0.5,
        color="grey",
        linestyle="--",
        label="longest trained",
    )
    axes.axhline(0.5, color="grey", linestyle=":", label="chance")
    axes.set(
        xlabel="sequence length (items for recall)",
        ylabel="bit error",
        title=f"{data}: generalisation to longer sequences",
    )
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(DATA), default="copy")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path("outputs/memory_generalisation"))
    # These nets run many tiny ops per step; on a busy CPU extra threads cost more in sync than they save.
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = args.out / args.data
    out.mkdir(parents=True, exist_ok=True)
    results = {model: train_and_measure(model, args.data, args.epochs, None, out) for model in ("ntm", "dnc")}
    width = lstm_width_matching(args.data, sum(r["params"] for r in results.values()) / 2, out)
    results["lstm_seq2seq"] = train_and_measure("lstm_seq2seq", args.data, args.epochs, width, out)
    results["lstm_seq2seq"]["width"] = width
    plot(results, args.data, out / "bit_error_by_length.png")
    report = json.dumps(
        {"data": args.data, "epochs": args.epochs, "overrides": DATA[args.data], "results": results}, indent=2
    )
    (out / "results.json").write_text(report)
    print(report)


if __name__ == "__main__":
    main()

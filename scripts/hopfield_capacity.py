"""Hopfield capacity: recall rate vs number of stored patterns (`python scripts/hopfield_capacity.py`).

For each load P/N, a fresh network of N units stores P random patterns by Hebb's rule and is started from
every stored pattern with ``--corruption`` of its bits flipped; a pattern counts as recalled when the settled
state matches at least ``--match`` of its bits. The recall rate collapses near the classical capacity
P ≈ 0.138 N (Amit, Gutfreund & Sompolinsky 1985). Prints JSON (the curve and the load where the rate first
falls through one half) and saves the curve as a PNG.
"""

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr.nets.hopfield import Hopfield  # noqa: E402
from dlr.tasks.hebbian import corrupt  # noqa: E402

CLASSICAL_CAPACITY = 0.138


def recall_rate(
    n_units: int, n_patterns: int, corruption: float, match: float, trials: int, seed: int
) -> float:
    recalled = 0
    for trial in range(trials):
        generator = torch.Generator().manual_seed(seed * 10_007 + trial)
        patterns = torch.randint(2, (n_patterns, n_units), generator=generator).float()
        net = Hopfield((n_units,), n_patterns, max_sweeps=30)
        net.store(patterns)
        settled = net.recall(corrupt(patterns, corruption, generator), generator)
        recalled += int(((settled == patterns).float().mean(1) >= match).sum())
    return recalled / (trials * n_patterns)


def half_recall_load(curve: list[dict]) -> float | None:
    """The load where the recall rate first falls through one half, interpolated linearly between points."""
    for before, after in zip(curve, curve[1:], strict=False):
        if before["recall_rate"] >= 0.5 > after["recall_rate"]:
            share = (before["recall_rate"] - 0.5) / (before["recall_rate"] - after["recall_rate"])
            return before["load"] + share * (after["load"] - before["load"])
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-units", type=int, default=400)
    parser.add_argument("--max-load", type=float, default=0.3)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--corruption", type=float, default=0.0)
    parser.add_argument(
        "--match", type=float, default=0.99, help="fraction of bits a recalled pattern must match"
    )
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("outputs/hopfield_capacity.png"))
    args = parser.parse_args()

    loads = [args.max_load * (i + 1) / args.points for i in range(args.points)]
    counts = sorted({max(1, round(load * args.n_units)) for load in loads})
    curve = [
        {
            "n_patterns": p,
            "load": p / args.n_units,
            "recall_rate": recall_rate(args.n_units, p, args.corruption, args.match, args.trials, args.seed),
        }
        for p in counts
    ]
    below_half = half_recall_load(curve)
    save_plot(curve, args.n_units, args.out)
    print(
        json.dumps(
            {
                "n_units": args.n_units,
                "corruption": args.corruption,
                "match": args.match,
                "trials": args.trials,
                "load_at_half_recall": below_half,
                "classical_capacity": CLASSICAL_CAPACITY,
                "plot": str(args.out),
                "curve": curve,
            },
            indent=2,
        )
    )


def save_plot(curve: list[dict], n_units: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 3.5))
    axes.plot(
        [p["load"] for p in curve], [p["recall_rate"] for p in curve], "o-", label=f"measured, N={n_units}"
    )
    axes.axvline(CLASSICAL_CAPACITY, color="gray", linestyle="--", label="0.138 N")
    axes.set(
        xlabel="stored patterns / units (P/N)", ylabel="recall rate", title="Hopfield capacity (Hebbian)"
    )
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    main()

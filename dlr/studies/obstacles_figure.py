"""The figure of ``scripts/obstacles.py``: size per precision, the memory to train, speed, and accuracy."""

from pathlib import Path

from dlr.console import human_bytes
from dlr.studies.plot_style import PALETTE, plt, save

PRECISIONS = ("fp32", "bf16", "int8", "int4")
TRAINING_PARTS = {
    "params": "weights",
    "grads": "gradients",
    "optimizer_state": "AdamW states",
    "activations": "activations",
}
COLOURS = [PALETTE[i] for i in range(len(PRECISIONS))]
MEASURED = {"peak_rss": "peak RSS", "peak_cuda_allocated": "peak CUDA allocated"}


def _label_bars(ax, bars, texts: list[str]) -> None:
    for bar, text in zip(bars, texts, strict=True):
        top = (bar.get_x() + bar.get_width() / 2, bar.get_height())
        ax.annotate(text, top, ha="center", va="bottom", fontsize=7)


def _sizes(ax, results: dict) -> None:
    weights = [results["bytes"][d] / 1e6 for d in PRECISIONS]
    bars = ax.bar(PRECISIONS, weights, color=COLOURS, alpha=0.8, label="parameters x bits")
    _label_bars(ax, bars, [human_bytes(results["bytes"][d]) for d in PRECISIONS])
    rows = results["precisions"]
    files = {d: rows[d]["file_bytes"] for d in PRECISIONS if "file_bytes" in rows[d]}
    beside = [PRECISIONS.index(d) + 0.3 for d in files]  # right of the bar's own label
    ax.plot(
        beside, [b / 1e6 for b in files.values()], "kD", ms=5, ls="none", label="safetensors file written"
    )
    for x, size in zip(beside, files.values(), strict=True):
        ax.annotate(human_bytes(size), (x, size / 1e6), xytext=(4, 0), textcoords="offset points", fontsize=7)
    ax.set(title="Weights at each precision", ylabel="MB")
    ax.set_xlim(-0.6, len(PRECISIONS) - 0.1)
    ax.legend(fontsize=7)


def _training(ax, results: dict) -> None:
    parts = results["training_memory"]
    left = 0.0
    for index, (key, label) in enumerate(TRAINING_PARTS.items()):
        value = (parts.get(key) or 0) / 1e6
        legend = f"{label} {human_bytes(value * 1e6)}"
        ax.barh([0], [value], height=0.5, left=left, color=PALETTE[index], label=legend)
        left += value
    title = f"Training with AdamW (fp32, batch of {parts['batch']}): {human_bytes(parts['total'])}"
    ax.set(title=title, xlabel="MB", ylim=(-0.6, 0.9), yticks=[])
    names = {k: k.split("/")[-1].removesuffix("_bytes") for k in parts["measured"]}
    measured = [f"{MEASURED.get(names[k], names[k])} {human_bytes(v)}" for k, v in parts["measured"].items()]
    if measured:
        note = "measured in the run (the whole process): " + ", ".join(measured)
        ax.text(0.01, 0.95, note, transform=ax.transAxes, fontsize=7, va="top")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2)


def _speed(ax, results: dict) -> None:
    rows = results["precisions"]
    bars = ax.bar(PRECISIONS, [rows[d]["latency_ms"] for d in PRECISIONS], color=COLOURS, alpha=0.8)
    _label_bars(ax, bars, [f"{rows[d]['per_s']:,.0f} samples/s" for d in PRECISIONS])
    device = results["device"]
    title = f"Inference, batch of {rows['batch']} ({device['accelerator']}: {device['name']})"
    top = max(bar.get_height() for bar in bars) * 1.12
    ax.set(title=title, ylabel="ms per batch (median)", ylim=(0, top))
    ax.title.set_fontsize(9)


def _accuracy(ax, results: dict) -> None:
    rows = results["precisions"]
    shown = [d for d in PRECISIONS if "test" in rows[d]]
    values = [rows[d]["test"] for d in shown]
    bars = ax.bar(shown, values, color=[COLOURS[PRECISIONS.index(d)] for d in shown], alpha=0.8)
    labels = [
        f"{rows[d]['test']:.3f}" + (f" ({rows[d]['change']:+.3f})" if "change" in rows[d] else "")
        for d in shown
    ]
    _label_bars(ax, bars, labels)
    ax.set(title=f"Test after quantization (data={results['data']})", ylabel=rows["metric"])
    ax.set_ylim(0, max(values) * 1.15)


def draw(results: dict, path: Path) -> None:
    figure, axes = plt.subplots(2, 2, figsize=(10, 7))
    _sizes(axes[0, 0], results)
    _training(axes[0, 1], results)
    _speed(axes[1, 0], results)
    _accuracy(axes[1, 1], results)
    loaded = results["pretrained"]
    files = ""
    if loaded["files_bytes"] is not None:
        how = (
            f"{human_bytes(loaded['downloaded_bytes'])} downloaded and loaded"
            if loaded["downloaded"]
            else "loaded"
        )
        files = f"; {loaded['source']} ({loaded['origin']}): {human_bytes(loaded['files_bytes'])} of files, "
        files += f"{how} in {loaded['load_s']:.2f} s"
    figure.suptitle(f"model={results['model']}: {results['params']:,} parameters{files}", fontsize=10)
    save(figure, path)

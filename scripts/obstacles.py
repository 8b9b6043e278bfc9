"""The practical obstacles of one model, measured in one command: its size at each precision, its download,
the memory to train it, its speed on this device, and what int8 and int4 cost in accuracy.

    python scripts/obstacles.py model=<zoo name or hub id> [data=...] [overrides ...] [--epochs 1] [--out DIR]
    python scripts/obstacles.py --params 220e9         (the size arithmetic alone, for any parameter count)

A zoo name is a ``conf/model`` option, run with its zoo recipe unless ``data=`` is given; a hub id is a
Hugging Face text encoder (``model=hf_text``, default data bbc_news) or image classifier (``model=hf_image``,
default data digits), told apart by its config. The model is loaded (timed, with its files' size, downloaded
if the Hub has to), trains ``--epochs`` epochs through train.py's flow, is tested, then quantized after the fact
to int8 (dynamic, torchao) and int4 (weight-only) and tested again. fp32, bf16, int8 and int4 are timed
interleaved on one test batch on the run's device. The table goes to stderr; the results go to stdout as JSON
and, with the figure, to ``--out`` (obstacles.json, obstacles.png).
"""

import argparse
import copy
import functools
import json
import os
import sys
import time
from pathlib import Path

import torch
import yaml
from hydra.core.hydra_config import HydraConfig
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr import console  # noqa: E402
from dlr.config.compose import CONF_DIR, compose_config  # noqa: E402
from dlr.device import describe  # noqa: E402
from dlr.errors import ConfigError, require  # noqa: E402
from dlr.hub import BUNDLED, is_hub_id, load_pretrained, resolve_source  # noqa: E402
from dlr.quant import export, memory  # noqa: E402
from dlr.quant.compare import latencies  # noqa: E402
from dlr.quant.methods import input_batch, shipped_post_training  # noqa: E402
from dlr.quant.precision import accelerator_of  # noqa: E402
from dlr.quant.ptq import quantize_net  # noqa: E402
from dlr.records import scalar_metrics  # noqa: E402
from dlr.run.build import build_trainer  # noqa: E402
from dlr.run.evaluate import rebuild_run  # noqa: E402
from dlr.run.train import train  # noqa: E402
from dlr.studies.obstacles_figure import draw  # noqa: E402
from dlr.tasks.from_config import build_datamodule, build_net  # noqa: E402

PRECISIONS = ("fp32", "bf16", "int8", "int4")
QUANTIZED = {"int8": "int8_dynamic", "int4": "int4_weight_only"}
HUB_DATA = {"hf_text": "bbc_news", "hf_image": "digits"}


def size_lines(params: float) -> list[str]:
    """The course's arithmetic for ``params`` parameters, by dlr/quant/memory.py's ``training_bytes``."""
    weights = {
        dtype: console.human_bytes(memory.training_bytes(params, dtype)["weights"]) for dtype in PRECISIONS
    }
    training = console.human_bytes(memory.training_bytes(params, "fp32")["training_total"])
    return [
        f"{params / 1e9:.3g} billion parameters: "
        + ", ".join(f"{d} {b}" for d, b in weights.items())
        + " of weights",
        f"training with AdamW, every tensor in fp32: {training} (weights + gradients + 2 moments)",
    ]


def model_overrides(overrides: list[str]) -> tuple[str, list[str]]:
    """``model=<zoo name or hub id>`` and the rest, as the overrides of a run."""
    chosen = next((o.split("=", 1)[1] for o in overrides if o.startswith("model=")), None)
    require(chosen is not None, "model", "give model=<zoo name or hub id> (or --params N for the arithmetic)")
    rest = [o for o in overrides if not o.startswith("model=")]
    given_data = any(o.startswith("data=") for o in rest)
    zoo_file = CONF_DIR / "model" / f"{chosen}.yaml"
    if zoo_file.is_file():
        recipe = (yaml.safe_load(zoo_file.read_text()).get("zoo") or {}).get("overrides", [])
        require(
            "estimator" not in yaml.safe_load(zoo_file.read_text()), "model", f"{chosen} is not a torch net"
        )
        return chosen, [f"model={chosen}", *([] if given_data else recipe), *rest]
    kind = (
        "hf_image" if _is_image_classifier(chosen, "model.net.trust_remote_code=true" in rest) else "hf_text"
    )
    data = [] if given_data else [f"data={HUB_DATA[kind]}"]
    return chosen, [f"model={kind}", f"model.net.source={chosen}", *data, *rest]


def _is_image_classifier(source: str, trusted: bool) -> bool:
    from transformers import AutoConfig

    config = load_pretrained(AutoConfig, source, "model", trust_remote_code=trusted)
    return any(name.endswith("ForImageClassification") for name in config.architectures or [])


def pretrained_files(cfg) -> tuple[str | None, str]:
    """(hub id or folder, where it comes from) of a pretrained net's files; (None, ...) for an untrained net."""
    net = cfg.model.net
    if not net.get("pretrained", False):
        return None, "built untrained"
    if net.get("source"):
        origin = "bundled" if net.source in BUNDLED else "hub" if is_hub_id(net.source) else "local folder"
        return str(net.source), origin
    import timm  # model=timm model.net.pretrained=true: timm's weights on the Hub

    return timm.models.get_pretrained_cfg(net.name).hf_hub_id, "hub"


def folder_of(location: str, origin: str) -> Path | None:
    """The folder holding ``location``'s files on this machine (a hub id's cached snapshot), if any."""
    if origin != "hub":
        return Path(resolve_source(location))
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(location, local_files_only=True))
    except LocalEntryNotFoundError:
        return None


def files_bytes(location: str | None, origin: str) -> int | None:
    folder = folder_of(location, origin) if location is not None else None
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder else None


def load(cfg, datamodule) -> tuple[nn.Module, dict]:
    """The net as build_net makes it, timed; its pretrained files' size, and the bytes the load downloaded."""
    location, origin = pretrained_files(cfg)
    before = files_bytes(location, origin) or 0
    started = time.perf_counter()
    net = build_net(cfg, datamodule)
    load_s = time.perf_counter() - started
    after = files_bytes(location, origin)
    fetched = (after or 0) - before if origin == "hub" else 0
    loaded = {"origin": origin, "source": location, "files_bytes": after, "downloaded_bytes": fetched}
    return net, {**loaded, "downloaded": fetched > 0, "load_s": load_s}


def training_memory(net: nn.Module, batch: torch.Tensor) -> dict:
    """Exact bytes to train every parameter with AdamW in fp32 (dlr/quant/memory.py), for one batch."""
    every = nn.ModuleDict({"net": copy.deepcopy(net).requires_grad_(True)})
    return memory.estimate(every, functools.partial(torch.optim.AdamW), "32-true", batch)


def quantized_comparison(ckpt: Path, out: Path, paths: dict, args) -> dict:
    """The trained net at each precision: test metric (fp32, int8, int4), file size, latency, throughput."""
    cfg = compose_config([f"ckpt_path={ckpt}", "logger=none"], out / "quantized", "eval", **paths)
    run = rebuild_run(cfg, str(out / "quantized"))
    device = accelerator_of(cfg)
    copies = {name: copy.deepcopy(run.task) for name in QUANTIZED}  # before a trainer holds the task
    trainer = build_trainer(cfg, [], [])
    reference = scalar_metrics(trainer.test(run.task, datamodule=run.datamodule, verbose=False)[0])
    metric = "test/acc" if "test/acc" in reference else "test/loss"
    results = {"metric": metric, "fp32": {"test": reference[metric]}}
    nets = {"fp32": run.task.net.to(device), "bf16": copy.deepcopy(run.task.net).to(device, torch.bfloat16)}
    for name, method in QUANTIZED.items():  # what eval.py quantization=<method> does, without its own timing
        quantize_net(copies[name].net.to(device), shipped_post_training(method), device)
        tested = scalar_metrics(trainer.test(copies[name], datamodule=run.datamodule, verbose=False)[0])
        file = out / "quantized" / f"model_{method}.safetensors"
        results[name] = {"test": tested[metric], "change": tested[metric] - reference[metric]}
        results[name]["file_bytes"] = export.save(copies[name].net, file, {"quantization": method})
        nets[name] = copies[name].net
    results["fp32"]["file_bytes"] = export.save(run.task.net, out / "quantized" / "model_fp32.safetensors")
    batch = input_batch(run.datamodule.test_dataloader(), run.task.net)[: args.batch].to(device)
    calls = {name: functools.partial(_forward, net) for name, net in nets.items()}
    load_before = os.getloadavg()[0]  # the CPU may be shared: the load the timings ran under
    for name, milliseconds in latencies(calls, batch, rounds=args.rounds, calls=args.calls).items():
        results.setdefault(name, {}).update(latency_ms=milliseconds, per_s=len(batch) / milliseconds * 1000)
    results["batch"] = len(batch)
    results["load_avg_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
    return results


def _forward(net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
    dtype = next((p.dtype for p in net.parameters() if p.is_floating_point()), torch.float32)
    return net.eval()(batch.to(dtype) if batch.is_floating_point() else batch)


def measure(name: str, overrides: list[str], args) -> dict:
    out = Path(args.out or f"outputs/obstacles/{name.replace('/', '--')}")
    paths = {"log_dir": out, "data_dir": Path("data").resolve()}
    cfg = compose_config(
        [*overrides, f"trainer.max_epochs={args.epochs}", "logger=none"], out / "run", **paths
    )
    datamodule = build_datamodule(cfg)
    net, pretrained = load(cfg, datamodule)
    params = sum(p.numel() for p in net.parameters())
    batch = datamodule.train.x[: cfg.data.batch_size]
    results = {
        "model": name,
        "data": HydraConfig.get().runtime.choices.data,
        "device": describe(accelerator_of(cfg), cfg.trainer.get("devices", 1)),
        "params": params,
        "bytes": {dtype: memory.training_bytes(params, dtype)["weights"] for dtype in PRECISIONS},
        "pretrained": pretrained,
        "training_memory": {**training_memory(net, batch), "batch": len(batch)},
    }
    record = train(cfg)
    require(record is not None and record["status"] == "completed", "model", f"training failed: {record}")
    peaks = {k: v for k, v in record["metrics"].items() if k.startswith("memory/measured/peak")}
    results["training_memory"]["measured"] = peaks
    ckpt = Path(record["run_dir"]) / "checkpoints" / "last.ckpt"
    results["precisions"] = quantized_comparison(ckpt, out, paths, args)
    out.mkdir(parents=True, exist_ok=True)
    (out / "obstacles.json").write_text(json.dumps(results, indent=2, default=str))
    draw(results, out / "obstacles.png")
    results["figure"] = str(out / "obstacles.png")
    return results


def table_lines(results: dict) -> list[str]:
    human = console.human_bytes
    loaded = results["pretrained"]
    source = f"{loaded['origin']}" if loaded["source"] is None else f"{loaded['source']} ({loaded['origin']})"
    if loaded["files_bytes"] is not None:
        verb = (
            f"{human(loaded['downloaded_bytes'])} downloaded and loaded" if loaded["downloaded"] else "loaded"
        )
        source += f": {human(loaded['files_bytes'])} of files, {verb} in {loaded['load_s']:.2f} s"
    memory_parts = results["training_memory"]
    parts = ["params", "grads", "optimizer_state", "activations"]
    shown = " + ".join(f"{k} {human(memory_parts[k])}" for k in parts if memory_parts[k] is not None)
    precisions = results["precisions"]
    metric, batch = precisions["metric"], precisions["batch"]
    lines = [
        f"model={results['model']} data={results['data']}: {source}",
        f"device: {results['device']['accelerator']}, {results['device']['name']}",
        f"parameters: {results['params']:,}",
        f"training with AdamW in fp32, batch of {memory_parts['batch']}: {shown} = {human(memory_parts['total'])}",
        *(
            f"measured in the training run: {k.split('/')[-1]} {human(v)}"
            for k, v in memory_parts["measured"].items()
        ),
        f"timed with the 1-minute load average at {precisions['load_avg_1min']['before']:.1f}",
        f"| precision | weights | file | latency (batch of {batch}) | throughput | {metric} | change |",
        "|---|---|---|---|---|---|---|",
    ]
    for dtype in PRECISIONS:
        row = precisions[dtype]
        file = human(row["file_bytes"]) if "file_bytes" in row else ""
        test = f"{row['test']:.3f}" if "test" in row else "not measured"
        change = f"{row['change']:+.3f}" if "change" in row else ""
        lines.append(
            f"| {dtype} | {human(results['bytes'][dtype])} | {file} | {row['latency_ms']:.2f} ms "
            f"| {row['per_s']:,.0f} /s | {test} | {change} |"
        )
    return lines


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "overrides", nargs="*", help="model=<zoo name or hub id>, data=..., any other override"
    )
    parser.add_argument("--params", type=float, help="only the size arithmetic for this many parameters")
    parser.add_argument(
        "--epochs", type=int, default=1, help="training epochs before the accuracy is measured"
    )
    parser.add_argument("--batch", type=int, default=32, help="samples per timed forward call")
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved timing rounds (the median is kept)"
    )
    parser.add_argument("--calls", type=int, default=3, help="forward calls per net and round")
    parser.add_argument("--out", help="folder for obstacles.json and obstacles.png")
    args = parser.parse_intermixed_args(argv)
    if args.params is not None:
        results = {"params": args.params, **{d: memory.training_bytes(args.params, d) for d in PRECISIONS}}
        lines = size_lines(args.params)
    else:
        try:
            name, overrides = model_overrides(args.overrides)
            with console.to_stderr():
                results = measure(name, overrides, args)
        except ConfigError as error:
            console.print_error(str(error))
            sys.exit(1)
        lines = table_lines(results)
    print("\n".join(lines), file=sys.stderr)
    print(json.dumps(results, default=str))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])

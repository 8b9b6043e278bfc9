"""CUDA checks for a GPU machine: one JSON line of pass/fail and the reason for each check.

    OUT=/tmp/out python scripts/gpu_checks.py       (scripts/gpu_checks.sh wraps it with a time limit)
    DRY_RUN=1 python scripts/gpu_checks.py          (compose every check's config, run none)

The checks: the default run (``accelerator: auto``) landing on CUDA and naming the GPU in its record; hub-style
models (``model=hf_text``, ``model=hf_image``) through train.py from a Hugging Face cache filled by the real
huggingface_hub from tests/hub_server.py, offline; ``scripts/obstacles.py`` on the default MLP; every zoo
config for a few steps on CUDA; every precision (16-mixed with its grad scaler); every
quantization, bitsandbytes nf4 and int8 included (nf4 also saved and loaded by ``eval.py``); DDP on all visible
GPUs and FSDP (both through ``train.py``, which Lightning re-executes per rank); a stacked sweep through
``scripts/gpu_stacked_check.py`` where that file exists; and the training throughput of the default MLP and a CNN against a hand-written loop
on the same GPU. Without CUDA the script composes every config (so a typo fails here, on CPU) and reports
the checks as skipped. Results go to stdout as JSON and to ``$OUT/gpu_checks.json`` after every check.
"""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlr.config.compose import compose_config, zoo_torch_models  # noqa: E402
from dlr.quant.precision import accelerator_of  # noqa: E402
from dlr.run.evaluate import evaluate  # noqa: E402
from dlr.run.train import train  # noqa: E402
from dlr.tasks.from_config import build_datamodule, build_task  # noqa: E402

QUIET = ["callbacks=none", "logger=none", "trainer.num_sanity_val_steps=0"]
FEW_STEPS = ["trainer.max_epochs=1", "trainer.limit_train_batches=3", "trainer.limit_val_batches=1"]
QUICK = ["trainer=gpu", *QUIET, "trainer.max_epochs=1", "data.num_samples=2000"]
RUNS = {
    "precision/32-true": [],
    "precision/16-mixed": ["precision=16-mixed"],
    "precision/bf16-mixed": ["precision=bf16-mixed"],
    "precision/bf16-true": ["precision=bf16-true"],
    "precision/16-true": ["precision=16-true"],
    "precision/64-true": ["precision=64-true"],
    "quantization/bnb_nf4": ["quantization=bnb"],
    "quantization/bnb_int8": ["quantization=bnb", "quantization.mode=int8"],
    "quantization/int8_dynamic": ["quantization=int8_dynamic"],
    "quantization/int8_weight_only": ["quantization=int8_weight_only"],
    "quantization/int4_weight_only": ["quantization=int4_weight_only"],  # MNIST-1D: 40 inputs, groups of 32
    "quantization/qat": ["quantization=qat"],
    "quantization/qlora": ["quantization=qlora"],
    "optimizer/adamw8bit": ["optimizer=adamw8bit", "width=256"],
}
COMMANDS = {  # checks that need processes Lightning starts itself
    "ddp_all_gpus": ["train.py", "trainer=ddp", *QUIET, "trainer.max_epochs=2", "data.num_samples=2000"],
    "fsdp": ["train.py", "trainer=fsdp", *QUIET, "trainer.max_epochs=2", "data.num_samples=2000"],
}
KEPT = ("test/acc", "delta/test/acc", "memory/measured/peak_cuda_allocated_bytes")
# Hub-style models from the cache, each through train.py on whatever `auto` picks (the GPU here).
HUB_RUNS = {
    "hub/hf_text": [
        "model=hf_text",
        "model.net.source=tiny-org/tiny-bert",
        "data=bbc_news",
        "data.max_length=16",
    ],
    "hub/hf_image_bnb": [
        "model=hf_image",
        "model.net.source=tiny-org/tiny-vit",
        "data=digits",
        "quantization=bnb",
    ],
}


def zoo_runs() -> dict[str, list[str]]:
    return {
        f"zoo/{name}": ["trainer=gpu", *QUIET, f"model={name}", *own, *FEW_STEPS]
        for name, own in zoo_torch_models().items()
    }


def run_flow(name: str, overrides: list[str], root: Path, dry: bool) -> dict:
    cfg = compose_config(overrides, root / name, data_dir=root / "data", log_dir=root)
    if dry:
        return {"status": "skipped", "reason": "no CUDA here: config composed only"}
    record = train(cfg) or {}
    passed = record.get("status") == "completed"
    metrics = record.get("metrics", {})
    return {
        "status": "pass" if passed else "fail",
        "reason": None if passed else record.get("error"),
        "precision_ran": (record.get("precision") or {}).get("ran"),
        **{k: metrics[k] for k in KEPT if k in metrics},
    }


def run_command(args: list[str], root: Path, dry: bool, env: dict | None = None) -> dict:
    if dry:
        return {"status": "skipped", "reason": "no CUDA here"}
    log_dir = root / args[1].replace("=", "_").replace("/", "_")
    done = subprocess.run(
        [sys.executable, *args, f"paths.log_dir={log_dir}"], cwd=ROOT, capture_output=True, text=True, env=env
    )
    records = [json.loads(p.read_text()) for p in log_dir.rglob("metrics.json")]
    passed = done.returncode == 0 and len(records) == 1 and records[0]["status"] == "completed"
    reason = None if passed else (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": "pass" if passed else "fail", "reason": reason, "records": len(records)}


def auto_accelerator(root: Path, dry: bool) -> dict:
    """The default trainer (`accelerator: auto`) on this machine: the run must land on the GPU and say so."""
    cfg = compose_config(
        [*QUIET, "trainer.max_epochs=1", "data.num_samples=2000"], root / "auto", log_dir=root
    )
    if dry:
        return {"status": "skipped", "reason": f"no CUDA here: auto resolves to {accelerator_of(cfg)}"}
    record = train(cfg) or {}
    device = record.get("device") or {}
    passed = record.get("status") == "completed" and device.get("accelerator") == "cuda"
    reason = record.get("error") or f"the default run went to {device.get('accelerator')}"
    return {"status": "pass" if passed else "fail", "reason": None if passed else reason, **device}


def hub_models_from_cache(root: Path, dry: bool) -> dict:
    """Tiny hub repositories downloaded by huggingface_hub from a Hub on 127.0.0.1 into a fresh cache, then
    trained by train.py with HF_HUB_OFFLINE=1, on the GPU `auto` picks."""
    from tests.hub_repos import write_repos
    from tests.hub_server import HubServer

    if dry:
        return {"status": "skipped", "reason": "no CUDA here"}
    repos, env = write_repos(root / "repos"), {**os.environ, "HF_HOME": str(root / "hf")}
    # Every file of each repository (the tokenizer too), as a user's first online run downloads them.
    fill = "import sys, huggingface_hub as hub; [hub.snapshot_download(repo) for repo in sys.argv[1:]]"
    with HubServer(repos) as hub:
        subprocess.run(
            [sys.executable, "-c", fill, "tiny-org/tiny-bert", "tiny-org/tiny-vit"],
            env={**env, "HF_ENDPOINT": hub.url},
            check=True,
        )
    env["HF_HUB_OFFLINE"] = "1"
    outcomes = {}
    for name, overrides in HUB_RUNS.items():
        outcomes[name] = run_command(
            ["train.py", *overrides, *QUIET, "trainer.max_epochs=1"], root, False, env
        )
    passed = all(o["status"] == "pass" for o in outcomes.values())
    return {
        "status": "pass" if passed else "fail",
        "reason": None if passed else str(outcomes),
        "runs": outcomes,
    }


def obstacles(root: Path, dry: bool) -> dict:
    """scripts/obstacles.py on the default MLP: sizes, memory, latency per precision, int8/int4 accuracy."""
    command = [sys.executable, "scripts/obstacles.py", "model=mlp", "data.num_samples=2000", "--rounds", "2"]
    if dry:
        return {"status": "skipped", "reason": "no CUDA here"}
    done = subprocess.run(
        [*command, "--out", str(root / "obstacles")], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        return {"status": "fail", "reason": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    result = json.loads(done.stdout)
    passed = result["device"]["accelerator"] == "cuda"
    table = {d: result["precisions"][d].get("latency_ms") for d in ("fp32", "bf16", "int8", "int4")}
    return {
        "status": "pass" if passed else "fail",
        "reason": None if passed else "not on CUDA",
        "latency_ms": table,
    }


def hand_loop_samples_per_s(cfg, steps: int) -> float:
    """The reference: the same net, optimizer and batches on the GPU, no framework."""
    datamodule = build_datamodule(cfg)
    net = build_task(cfg, datamodule).net.cuda()
    optimizer = torch.optim.AdamW(
        net.parameters(), lr=cfg.optimizer.lr, weight_decay=cfg.optimizer.weight_decay
    )
    x, y, batch = datamodule.train.x.cuda(), datamodule.train.y.cuda(), cfg.data.batch_size
    torch.cuda.synchronize()
    start = time.perf_counter()
    for step in range(steps):
        i = (step * batch) % (len(x) - batch)
        loss = torch.nn.functional.cross_entropy(net(x[i : i + batch]), y[i : i + batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - start)


def throughput(model: str, root: Path, dry: bool) -> dict:
    overrides = [
        *QUICK,
        f"model={model}",
        "trainer.max_epochs=3",
        "trainer.limit_val_batches=0",
        "test=false",
    ]
    cfg = compose_config(overrides, root / f"throughput_{model}", data_dir=root / "data", log_dir=root)
    if dry:
        return {"status": "skipped", "reason": "no CUDA here: config composed only"}
    record = train(cfg)
    samples = 3 * record["data"]["n_train"]
    ours = samples / record["timing"]["fit_s"]
    hand = hand_loop_samples_per_s(cfg, steps=samples // cfg.data.batch_size)
    return {
        "status": "pass",
        "dlr_samples_per_s": round(ours),
        "hand_samples_per_s": round(hand),
        "ratio": round(ours / hand, 3),
    }


def bnb_round_trip(root: Path, dry: bool) -> dict:
    """nf4 on CUDA (bitsandbytes' layers), saved to last.ckpt, loaded by eval.py: the same test accuracy."""
    overrides = ["trainer=gpu", "logger=none", "trainer.num_sanity_val_steps=0", "trainer.max_epochs=1"]
    overrides += ["data.num_samples=2000", "quantization=bnb", "callbacks.last_checkpoint.every_s=0"]
    cfg = compose_config(overrides, root / "bnb_train", data_dir=root / "data", log_dir=root)
    if dry:
        return {"status": "skipped", "reason": "no CUDA here: config composed only"}
    trained = train(cfg) or {}
    if trained.get("status") != "completed":
        return {"status": "fail", "reason": f"training: {trained.get('error')}"}
    checkpoint = root / "bnb_train" / "checkpoints" / "last.ckpt"
    eval_cfg = compose_config(
        [f"ckpt_path={checkpoint}", "trainer=gpu", "logger=none"], root / "bnb_eval", "eval", log_dir=root
    )
    loaded = evaluate(eval_cfg) or {}
    if loaded.get("status") != "completed":
        return {"status": "fail", "reason": f"loading: {loaded.get('error')}"}
    trained_acc, loaded_acc = trained["metrics"]["test/acc"], loaded["metrics"]["test/acc"]
    passed = abs(trained_acc - loaded_acc) <= 1e-3
    reason = None if passed else f"test/acc {trained_acc} after training, {loaded_acc} loaded"
    return {"status": "pass" if passed else "fail", "reason": reason, "test/acc": loaded_acc}


def stacked(root: Path, dry: bool) -> dict:
    script = ROOT / "scripts" / "gpu_stacked_check.py"
    if not script.exists():
        return {"status": "skipped", "reason": "scripts/gpu_stacked_check.py does not exist"}
    if dry:
        return {"status": "skipped", "reason": "no CUDA here"}
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
    reason = None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {
        "status": "pass" if done.returncode == 0 else "fail",
        "reason": reason,
        "output": done.stdout[-500:],
    }


def all_checks(root: Path, dry: bool) -> dict:
    # The Colab path first: a timeout keeps what finished.
    checks = {
        "auto_accelerator": (auto_accelerator, (root, dry)),
        "hub_models_from_cache": (hub_models_from_cache, (root, dry)),
        "obstacles": (obstacles, (root, dry)),
    }
    checks |= {name: (run_flow, (name, [*QUICK, *o], root, dry)) for name, o in RUNS.items()}
    checks |= {name: (run_flow, (name, o, root, dry)) for name, o in zoo_runs().items()}
    checks |= {name: (run_command, (args, root, dry)) for name, args in COMMANDS.items()}
    checks["quantization/bnb_nf4_round_trip"] = (bnb_round_trip, (root, dry))
    checks["stacked_sweep"] = (stacked, (root, dry))
    checks |= {f"throughput/{m}": (throughput, (m, root, dry)) for m in ("mlp", "cnn")}
    return checks


def main() -> None:
    out = Path(os.environ.get("OUT", "outputs/gpu_checks"))
    out.mkdir(parents=True, exist_ok=True)
    dry = os.environ.get("DRY_RUN") == "1" or not torch.cuda.is_available()
    results = {"device": torch.cuda.get_device_name(0) if not dry else None, "dry_run": dry, "checks": {}}
    # the runs' console output goes to stderr: stdout is for the JSON only
    with tempfile.TemporaryDirectory() as directory, contextlib.redirect_stdout(sys.stderr):
        for name, (check, args) in all_checks(Path(directory), dry).items():
            try:
                results["checks"][name] = check(*args)
            except Exception as error:  # a check that crashes must not stop the others
                reason = f"{type(error).__name__}: {error}"
                results["checks"][name] = {
                    "status": "fail",
                    "reason": reason,
                    "trace": traceback.format_exc()[-800:],
                }
            (out / "gpu_checks.json").write_text(json.dumps(results, indent=2))  # survives a timeout
            print(name, results["checks"][name]["status"], file=sys.stderr, flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

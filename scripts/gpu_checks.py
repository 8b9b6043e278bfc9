"""CUDA-only checks of the precision and quantization work, for a GPU machine; writes JSON to $OUT.

    OUT=/tmp/out python scripts/gpu_checks.py       (scripts/gpu_checks.sh wraps it with a time limit)

Each check runs the real flow (``dlr.run.train``) on MNIST-1D for a few steps and records its status, the
error if any, and the metrics that matter: max allocated CUDA memory, the bitsandbytes plugin, 16-mixed
and bf16 on CUDA, the bitsandbytes 8-bit optimizer, int4 weight-only on CUDA, and the inference benchmark.
"""

import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr.compose import compose_config  # noqa: E402
from dlr.run import train  # noqa: E402

QUICK = [
    "trainer=gpu",
    "trainer.max_epochs=2",
    "callbacks=none",
    "logger=none",
    "trainer.num_sanity_val_steps=0",
    "data.num_samples=2000",
]
CHECKS = {
    "32-true": [],
    "16-mixed": ["precision=16-mixed"],
    "bf16-mixed": ["precision=bf16-mixed"],
    "bf16-true": ["precision=bf16-true"],
    "16-true": ["precision=16-true"],
    "bnb_nf4_plugin": ["quantization=bnb"],
    "bnb_int8_plugin": ["quantization=bnb", "quantization.mode=int8"],
    "bnb_adamw8bit": ["optimizer._target_=bitsandbytes.optim.AdamW8bit", "width=256"],
    "torchao_adamw8bit": ["optimizer=adamw8bit", "width=256"],
    "int8_dynamic": ["quantization=int8_dynamic"],
    "int8_weight_only": ["quantization=int8_weight_only"],
    "int4_weight_only": ["quantization=int4_weight_only", "width=128"],
    "qat": ["quantization=qat"],
    "qlora": ["quantization=qlora"],
}
KEPT = (
    "test/acc",
    "delta/test/acc",
    "size/ratio",
    "latency/speedup",
    "memory/measured/peak_cuda_allocated_bytes",
    "memory/estimate/total_bytes",
    "memory/measured/optimizer_state_bytes",
    "memory/estimate/optimizer_state_bytes",
)


def run_check(name: str, overrides: list[str], root: Path) -> dict:
    try:
        cfg = compose_config([*QUICK, *overrides], root / name, data_dir=root / "data", log_dir=root)
        record = train(cfg)
        metrics = (record or {}).get("metrics", {})
        return {
            "status": (record or {}).get("status", "failed"),
            "error": (record or {}).get("error"),
            **{k: metrics.get(k) for k in KEPT},
        }
    except BaseException as error:  # a check that crashes must not stop the others
        return {
            "status": "crashed",
            "error": f"{type(error).__name__}: {error}",
            "trace": traceback.format_exc()[-1500:],
        }


def main() -> None:
    out = Path(os.environ.get("OUT", "outputs/gpu_checks"))
    out.mkdir(parents=True, exist_ok=True)
    import torch

    results = {"device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "checks": {}}
    with tempfile.TemporaryDirectory() as directory:
        for name, overrides in CHECKS.items():
            results["checks"][name] = run_check(name, overrides, Path(directory))
            # Written after every check, so the partial results survive a timeout.
            (out / "gpu_checks.json").write_text(json.dumps(results, indent=2))
            print(name, results["checks"][name]["status"], flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# CUDA checks (under 7 minutes on one H100/H200): the auto accelerator's default run, hub-style models from the
# Hugging Face cache, scripts/obstacles.py, every zoo config a few steps, every precision and
# quantization (bitsandbytes included), DDP on all GPUs, FSDP, a stacked sweep, throughput against a hand loop.
# Prints JSON (pass/fail and the reason per check) and writes $OUT/gpu_checks.json after every check, so a
# timeout keeps what finished; $OUT/nvidia_smi.csv names the GPU. Without CUDA it composes every config only.
# Run from the repository root:
#   OUT=/tmp/out bash scripts/gpu_checks.sh
set -u
OUT=${OUT:-outputs/gpu_checks}
mkdir -p "$OUT"
timeout 420 python scripts/gpu_checks.py 2>"$OUT/gpu_checks.stderr.txt"
status=$?
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total --format=csv >"$OUT/nvidia_smi.csv" 2>&1
fi
exit $status

#!/usr/bin/env bash
# CUDA-only checks (about 3-4 minutes on an H100): precisions on CUDA, bitsandbytes plugin and 8-bit optimizer,
# max-allocated memory, int4/int8/QAT/QLoRA on CUDA. Writes $OUT/gpu_checks.json (updated after every check,
# so a timeout keeps what finished) and $OUT/nvidia_smi.csv. Run from the repository root:
#   OUT=/tmp/out bash scripts/gpu_checks.sh
set -u
OUT=${OUT:-outputs/gpu_checks}
mkdir -p "$OUT"
timeout 240 python scripts/gpu_checks.py 2>"$OUT/gpu_checks.stderr.txt"
echo "gpu_checks exit $?"
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/nvidia_smi.csv" 2>&1

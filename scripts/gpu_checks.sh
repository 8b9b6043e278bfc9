#!/usr/bin/env bash
# CUDA checks (under 10 minutes on one H100/H200): the auto accelerator's default run, hub-style models from
# the Hugging Face cache, scripts/obstacles.py, every zoo config a few steps, every precision and quantization
# (bitsandbytes included), DDP on all GPUs, FSDP, a stacked sweep, throughput against a hand loop; then the
# image-data comparison (scripts/bench_image_data.py) and the quickstart notebook on the GPU.
# Prints JSON (pass/fail and the reason per check) and writes $OUT/gpu_checks.json after every check, so a
# timeout keeps what finished; $OUT/nvidia_smi.csv names the GPU. Without CUDA it composes every config only.
# Run from the repository root:
#   OUT=/tmp/out bash scripts/gpu_checks.sh
set -u
OUT=${OUT:-outputs/gpu_checks}
mkdir -p "$OUT"
timeout 330 python scripts/gpu_checks.py 2>"$OUT/gpu_checks.stderr.txt"
status=$?
# Image data: one CIFAR-10-shaped epoch of model=resnet with augment=flip_crop, dlr's in-memory path against
# a hand loop and torchvision's per-sample DataLoader (docs/datasets.md); JSON in $OUT/bench_image_data.json.
if python -c "import torch; raise SystemExit(not torch.cuda.is_available())"; then
  timeout 150 python scripts/bench_image_data.py --device cuda --width 64 --workers 8 \
    >"$OUT/bench_image_data.json" 2>"$OUT/bench_image_data.stderr.txt" || status=1
  # notebooks/quickstart.ipynb in a Jupyter kernel, its budget shrunk as in the CPU suite: dlr.load lands on CUDA.
  timeout 90 python -m pytest -q -p no:xdist -o addopts= tests/test_notebook.py >"$OUT/notebook.txt" 2>&1 || status=1
fi
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total --format=csv >"$OUT/nvidia_smi.csv" 2>&1
fi
exit $status

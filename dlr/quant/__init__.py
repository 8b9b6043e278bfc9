"""Precision, quantization and memory: the ways around deep learning's two obstacles, space and time."""

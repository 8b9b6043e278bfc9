"""Hydra launcher plugin ``stacked``: trains a sweep's members stacked (see dlr.experiments.stacked.launch)."""

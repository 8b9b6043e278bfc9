"""Drivers that run many runs through the single-run flow (dlr.run.train): k-fold, benchmarks, studies, the stacked launcher."""

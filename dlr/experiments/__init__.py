"""Drivers that run many runs: the stacked launcher's grouping, training and member bookkeeping."""

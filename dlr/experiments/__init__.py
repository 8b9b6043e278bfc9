"""Drivers that run many runs (each an ordinary run of the single-run flow) and summarise them."""

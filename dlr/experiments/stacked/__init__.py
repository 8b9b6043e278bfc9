"""``launcher=stacked``: a sweep's jobs trained together as stacked models."""

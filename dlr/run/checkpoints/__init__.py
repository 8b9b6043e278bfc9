"""Checkpoints: finding one (``ckpt_path=last``), writing ``last.ckpt``, resuming, stored configs."""

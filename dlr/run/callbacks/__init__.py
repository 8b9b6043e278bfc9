"""The Lightning callbacks every run may use: finite loss, model summary, progress, pictures."""

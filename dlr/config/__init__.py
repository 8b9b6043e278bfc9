"""Composing, resolving and validating configs, before anything is built; sweep directories."""

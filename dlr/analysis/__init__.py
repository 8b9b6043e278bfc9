"""Maths on live objects: effective parameters (Curth et al. 2023), tree smoothers, theory curves."""

"""What reads many runs: sweep tables, double-descent plots, effective parameters and theory curves."""

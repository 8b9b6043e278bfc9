"""Collect a sweep's metrics.json files into tables and plots: `python scripts/aggregate.py <multirun dir>`.

Safe on a sweep that is still running or was interrupted: unfinished jobs appear with their status.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr.studies.plots import THRESHOLDS  # noqa: E402
from dlr.studies.summary import summarize  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sweep_dir", type=Path, help="a multirun directory, e.g. outputs/multiruns/train/<stamp>_<uid>"
    )
    parser.add_argument(
        "--x-axis",
        choices=("params", "knob"),
        help="x axis of the plots: parameter count or the knob (width)",
    )
    parser.add_argument("--threshold", choices=THRESHOLDS, help="where to mark the interpolation threshold")
    args = parser.parse_args()
    if not args.sweep_dir.is_dir():
        parser.error(f"sweep_dir: {args.sweep_dir} is not a directory")
    changes = {"x_axis": args.x_axis, "threshold": args.threshold}
    written = summarize(args.sweep_dir, None, **{key: value for key, value in changes.items() if value})
    print(json.dumps({name: str(path) for name, path in written.items()}, indent=2))


if __name__ == "__main__":
    main()

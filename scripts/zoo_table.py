"""Regenerate the README's architecture table from real runs.

    python scripts/zoo_table.py [--only vae,esn] [--skip minilm] [--out docs/zoo_table.md] [--max-epochs 1]

Every ``conf/model/*.yaml`` with a ``zoo:`` block is trained once through ``dlr.run.train.train`` at its default
budget plus the block's ``overrides``; the table reports the block's metric from the run's record.
Prints the rows as JSON and writes the markdown table.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml
from rich.progress import track

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr import console  # noqa: E402
from dlr.config.compose import CONF_DIR, compose_config  # noqa: E402
from dlr.run.train import train  # noqa: E402

QUIET = ["callbacks=none", "logger=none"]


def zoo_entries(only: set[str] | None, skip: set[str]) -> list[tuple[str, dict]]:
    entries = []
    for path in sorted((CONF_DIR / "model").glob("*.yaml")):
        block = (yaml.safe_load(path.read_text()) or {}).get("zoo")
        if block and (only is None or path.stem in only) and path.stem not in skip:
            entries.append((path.stem, block))
    return entries


def run_entry(name: str, block: dict, workdir: Path, budget: list[str]) -> dict:
    overrides = [f"model={name}", *block.get("overrides", []), *QUIET]
    cfg = compose_config(overrides + budget, workdir / name, log_dir=workdir)
    record = train(cfg) or {"status": "failed", "metrics": {}}
    value = record.get("metrics", {}).get(block["metric"])
    return {
        "architecture": block["architecture"],
        "config": name,
        "rule": block.get("rule", ""),
        "data": block.get("data", ""),
        "metric": block["metric"],
        "value": value,
        "status": record["status"],
        "command": "python train.py " + " ".join(overrides[: -len(QUIET)]),
    }


def markdown(rows: list[dict]) -> str:
    import pandas as pd

    table = pd.DataFrame(
        {
            "architecture": [r["architecture"] for r in rows],
            "config": [f"`{r['config']}`" for r in rows],
            "training rule": [r["rule"] for r in rows],
            "data": [r["data"] for r in rows],
            "metric": [f"`{r['metric']}`" for r in rows],
            "value": [f"{r['value']:.4g}" if isinstance(r["value"], float) else r["status"] for r in rows],
        }
    )
    return table.to_markdown(index=False, disable_numparse=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated model configs")
    parser.add_argument("--skip", default="", help="comma-separated model configs to leave out")
    parser.add_argument("--out", default="docs/zoo_table.md")
    parser.add_argument(
        "--max-epochs", type=int, help="cap every run's epochs (a quick check, not the table)"
    )
    args = parser.parse_args()
    budget = [f"trainer.max_epochs={args.max_epochs}"] if args.max_epochs else []
    entries = zoo_entries(set(args.only.split(",")) if args.only else None, set(args.skip.split(",")))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, console.to_stderr():
        for name, block in track(entries, description="zoo"):
            rows.append(run_entry(name, block, Path(tmp), budget))
            Path(args.out).write_text(markdown(rows))  # after every row, so an interrupted run keeps its rows
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

"""Write a W&B sweep configuration from a Hydra sweep: `python scripts/wandb_sweep.py hparams_search=optuna`.

The arguments are those of `python train.py -m ...`: the Hydra search space (``hparams_search=optuna``, or
sweep overrides such as ``width=16,32,64``) and any other override, which every run keeps. Every command line
the sweep can issue is composed and validated first (dlr/config/wandb_sweep.py). Then, on a machine with
network and a W&B login: ``wandb sweep <file>``, and ``wandb agent <the sweep id it prints>``.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlr import console  # noqa: E402
from dlr.config.wandb_sweep import METHODS, write_sweep  # noqa: E402
from dlr.errors import ConfigError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="train.py overrides, sweeps included")
    parser.add_argument(
        "--out", type=Path, default=Path("outputs/wandb_sweep.yaml"), help="the file to write"
    )
    parser.add_argument("--method", choices=METHODS, help="W&B's search method (default: from the config)")
    args = parser.parse_args()
    try:
        configuration, checked = write_sweep(args.overrides, args.out, args.method)
    except ConfigError as error:
        console.print_error(str(error))
        sys.exit(1)
    metric = configuration["metric"]
    console.console.print(
        f"W&B sweep: [bold]{args.out}[/] ({configuration['method']}, {metric['goal']} {metric['name']}, "
        f"{len(configuration['parameters'])} parameters; {checked} command lines checked)\n"
        f"where there is network: wandb sweep {args.out}, then wandb agent <the sweep id it prints>",
        soft_wrap=True,
    )


if __name__ == "__main__":
    main()

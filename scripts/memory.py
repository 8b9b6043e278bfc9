"""Memory a model needs, from its parameter count: `python scripts/memory.py params=220e9 dtype=fp32`.

The course's example: 220e9 parameters x 32 bits = 880 GB for the weights alone. Training keeps a gradient
per weight and AdamW keeps two moment estimates per weight on top: 4x the weights. The table shows the same
figures with every tensor in fp32, bf16, int8 and int4. (Nobody trains with int8/int4 gradients; those rows
are what the weights and the 8-/4-bit AdamW states of conf/optimizer/adamw{8,4}bit.yaml cost. Add activations,
which grow with the batch.) Prints the table on stderr and its figures as JSON on stdout.
"""

import json
import sys

from dlr import console
from dlr.quant.memory import BITS, human, training_bytes

SHOWN = ("fp32", "bf16", "int8", "int4")


def main(argv: list[str]) -> dict:
    options = dict(arg.split("=", 1) for arg in argv)
    params = float(options.get("params", 220e9))
    dtype = options.get("dtype", "fp32")
    if dtype not in BITS:
        sys.exit(f"error: dtype must be one of {', '.join(BITS)}; got {dtype!r}")
    headline = training_bytes(params, dtype)
    table = {name: training_bytes(params, name) for name in dict.fromkeys((dtype, *SHOWN))}
    with console.to_stderr():
        print(
            f"{params:.3g} parameters x {BITS[dtype]} bits = {human(headline['weights'])} of weights ({dtype})"
        )
        print(f"{'dtype':<6} {'weights':>10} {'+ grads':>10} {'+ AdamW':>10} {'training':>10}")
        for name, row in table.items():
            cells = (human(row[k]) for k in ("weights", "grads", "adam_states", "training_total"))
            print(f"{name:<6} " + " ".join(f"{cell:>10}" for cell in cells))
    result = {"params": params, "dtype": dtype, "bytes": table}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

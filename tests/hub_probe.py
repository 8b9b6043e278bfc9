"""Builds nets in a fresh interpreter, as a run does, and prints what each got: ``python -m tests.hub_probe
'<json list of specs>'``. The Hugging Face libraries read ``HF_ENDPOINT``, ``HF_HOME`` and ``HF_HUB_OFFLINE``
when they are imported, so a test that sets them runs its loads here.

A spec is ``{"target": "dlr.nets.hf_text.HFTextClassifier", "input_shape": [16], "output_size": 3,
"options": {...}, "tensor": "<parameter name>"}``; the answer for it is ``{"sha256": <digest of that
parameter's bytes>}`` or ``{"error": "<key>: <message>"}`` for a one-line ConfigError.
"""

import hashlib
import json
import sys

import torch
from hydra.utils import get_class

from dlr.errors import ConfigError


def probe(spec: dict) -> dict:
    try:
        net = get_class(spec["target"])(spec["input_shape"], spec["output_size"], **spec.get("options", {}))
    except ConfigError as error:
        return {"error": str(error)}
    return {"sha256": digest(net.get_parameter(spec["tensor"]))}


def digest(tensor: torch.Tensor) -> str:
    return hashlib.sha256(tensor.detach().contiguous().numpy().tobytes()).hexdigest()


if __name__ == "__main__":
    print(json.dumps([probe(spec) for spec in json.loads(sys.argv[1])]))

"""Read an offline W&B run's ``.wandb`` file (a leveldb-style log of protobuf records) without the network.

wandb >= 0.19 writes offline runs only into this log, and no longer ships a Python reader for it.
"""

import json
import struct
from pathlib import Path

from wandb.proto import wandb_internal_pb2

FILE_HEADER = 7  # ":W&B", magic (2 bytes), version (1 byte)
BLOCK = 32768
RECORD_HEADER = 7  # crc32 (4), length (2), type (1)
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def _payloads(data: bytes):
    position, pending = FILE_HEADER, b""
    while position + RECORD_HEADER <= len(data):
        room = BLOCK - position % BLOCK
        if room < RECORD_HEADER:  # block trailer padding
            position += room
            continue
        _, length, kind = struct.unpack("<IHB", data[position : position + RECORD_HEADER])
        chunk = data[position + RECORD_HEADER : position + RECORD_HEADER + length]
        position += RECORD_HEADER + length
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            yield pending + chunk
        else:
            return


def read_offline_run(run_file: Path) -> tuple[dict, dict]:
    """The run's (config, summary), each as {key: value}."""
    config, summary = {}, {}
    for payload in _payloads(run_file.read_bytes()):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        kind = record.WhichOneof("record_type")
        if kind == "config":
            config.update({_key(item): json.loads(item.value_json) for item in record.config.update})
        elif kind == "summary":
            summary.update({_key(item): json.loads(item.value_json) for item in record.summary.update})
    return config, summary


def _key(item) -> str:
    return item.key or "/".join(item.nested_key)

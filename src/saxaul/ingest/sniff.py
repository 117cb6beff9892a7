"""Look at a file before importing it: what it holds (events or participants) and how many rows.

Why: ``saxaul import PATH…`` takes both kinds of file without a flag, and a progress bar needs
a total. Both answers come from the header or metadata, never from reading the whole file
(except a JSON array, which has no cheaper way to tell).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

PARTICIPANT_MARKERS = frozenset({"enrolled_at", "consent"})
BLOCK = 1 << 20


def columns_of(path: Path) -> frozenset[str]:
    """The column names of a CSV, NDJSON, JSON-array or Parquet file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return frozenset(pq.read_schema(path).names)
    if suffix in (".ndjson", ".jsonl"):
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    first = json.loads(line)
                    return frozenset(first) if isinstance(first, dict) else frozenset()
        return frozenset()
    if suffix == ".json":
        data = json.loads(path.read_bytes())
        return frozenset(data[0]) if isinstance(data, list) and data and isinstance(
            data[0], dict
        ) else frozenset()
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    return frozenset(name.strip().strip('"') for name in header.rstrip("\r\n").split(","))


def detect_kind(path: Path) -> str:
    """``participants`` if the file has participant columns, else ``events``."""
    return "participants" if PARTICIPANT_MARKERS <= columns_of(path) else "events"


def count_rows(path: Path) -> int | None:
    """Data rows in the file, or ``None`` when only a full parse could tell (JSON arrays)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return int(pq.read_metadata(path).num_rows)
    if suffix == ".json":
        return None
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return lines - 1 if suffix == ".csv" else lines

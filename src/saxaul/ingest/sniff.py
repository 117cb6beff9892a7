"""What a file holds before it is imported: events or participants, and roughly how many rows.

Why: ``saxaul import`` accepts any file, and a progress bar wants a total. The kind comes from
the column names (``event_id`` → events, ``enrolled_at`` → participants); the row count from
Parquet metadata or a newline count, never from parsing. Example: a CSV whose header is
``user_id,enrolled_at,consent`` → ``detect_kind(path) == "participants"``.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.ingest.csvfile import read_header
from saxaul.ingest.formats import Format, detect_format
from saxaul.ingest.jsonfile import ArrayScanner


def column_names(path: Path, fmt: str | None = None) -> list[str]:
    """The column names of a file: its header, the first object's keys, or the schema."""
    kind = detect_format(path, fmt)
    if kind is Format.PARQUET:
        return list(pl.scan_parquet(path).collect_schema().names())
    with path.open("rb") as stream:
        if kind is Format.CSV:
            return read_header(stream)
        if kind is Format.NDJSON:
            first = next((line for line in stream if line.strip()), b"{}")
        else:
            first = next((text.encode() for _, text, _ in ArrayScanner(stream).elements()), b"{}")
    try:
        value = json.loads(first)
    except ValueError as exc:
        raise InputRejected(f"the first row of {path.name!r} is not JSON ({exc})") from exc
    return list(value) if isinstance(value, dict) else []


def detect_kind(path: Path, fmt: str | None = None) -> str:
    """``"events"`` or ``"participants"``, from the file's column names."""
    names = set(column_names(path, fmt))
    if "event_id" in names:
        return "events"
    if "enrolled_at" in names:
        return "participants"
    raise InputRejected(
        f"cannot tell what {path.name!r} holds: events need an event_id column, participants "
        "an enrolled_at column",
        field="path",
    )


def count_rows(path: Path, fmt: str | None = None) -> int | None:
    """About how many data rows the file holds (lines, less the header), or None for a JSON
    array (which would have to be parsed). Exact for Parquet; blank lines and quoted newlines
    make the text estimate a little high."""
    kind = detect_format(path, fmt)
    if kind is Format.PARQUET:
        return int(pl.scan_parquet(path).select(pl.len()).collect().item())
    if kind is Format.JSON:
        return None
    lines, last = 0, b"\n"
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    lines += last != b"\n"
    return max(lines - (kind is Format.CSV), 0)

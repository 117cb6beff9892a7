"""Which reader a file or HTTP body needs, and the chunked stream of raw rows it yields.

Why here: events and participants share every reader; only the column list differs. A file's
format comes from its extension unless ``fmt`` says otherwise, e.g. ``day1.jsonl`` → NDJSON,
``export.txt`` with ``fmt="csv"`` → CSV. A file (or body) that cannot be read at all — unknown
type, required CSV column missing, not Parquet — raises ``InputRejected``; a bad row never does.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.ingest.columns import POS, SOURCE_LINE, Location
from saxaul.ingest.csvfile import iter_csv_pieces, read_header
from saxaul.ingest.jsonfile import (
    iter_json_array_pieces,
    iter_ndjson_pieces,
    ndjson_piece,
    text_schema,
)
from saxaul.ingest.pieces import RawChunk, RawPiece, rechunk


class Format(StrEnum):
    """A supported input format."""

    CSV = "csv"
    """Comma-separated, header on line 1, UTF-8, values quoted with ``"`` when needed."""
    NDJSON = "ndjson"
    """One JSON object per line (``.ndjson`` or ``.jsonl``)."""
    JSON = "json"
    """One top-level JSON array of objects."""
    PARQUET = "parquet"
    """Apache Parquet; typed columns (timestamps with time zone, numbers, struct) allowed."""


_SUFFIXES = {
    ".csv": Format.CSV,
    ".ndjson": Format.NDJSON,
    ".jsonl": Format.NDJSON,
    ".json": Format.JSON,
    ".parquet": Format.PARQUET,
}
JSON_MEDIA_TYPES = frozenset({"application/json"})
NDJSON_MEDIA_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})


def detect_format(path: Path, fmt: str | None = None) -> Format:
    """The format named by ``fmt`` (``jsonl`` means NDJSON) or else by the file extension."""
    if fmt is not None:
        name = fmt.lower().lstrip(".")
        try:
            return Format.NDJSON if name == "jsonl" else Format(name)
        except ValueError:
            raise InputRejected(f"unknown format {fmt!r}", field="fmt") from None
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InputRejected(
            f"cannot tell the format of {path.name!r}: use .csv, .ndjson, .jsonl, .json or "
            ".parquet, or name the format explicitly",
            field="path",
        )
    return found


def iter_raw_chunks(
    path: Path,
    fields: Sequence[str],
    required: Sequence[str],
    *,
    fmt: str | None,
    chunk_rows: int,
    skip_rows: int,
) -> Iterator[RawChunk]:
    """Chunks of raw rows from a file, each covering exactly ``chunk_rows`` data rows."""
    kind = detect_format(path, fmt)
    if kind is Format.PARQUET:
        pieces = _parquet_pieces(path, fields, required, chunk_rows, skip_rows)
        yield from rechunk(pieces, chunk_rows=chunk_rows, skip_rows=skip_rows, location="index")
        return
    with path.open("rb") as stream:
        if kind is Format.CSV:
            names = read_header(stream, fields)
            _check_header(names, fields, required)
            yield from rechunk(
                iter_csv_pieces(stream, names),
                chunk_rows=chunk_rows,
                skip_rows=skip_rows,
                location="line",
                render_as_csv=True,
            )
        elif kind is Format.NDJSON:
            ndjson = iter_ndjson_pieces(stream, text_schema(fields))
            yield from rechunk(ndjson, chunk_rows=chunk_rows, skip_rows=skip_rows, location="line")
        else:
            array = iter_json_array_pieces(stream, text_schema(fields))
            yield from rechunk(array, chunk_rows=chunk_rows, skip_rows=skip_rows, location="index")


def raw_chunk_from_body(
    body: bytes, content_type: str, fields: Sequence[str], *, max_rows: int
) -> RawChunk:
    """The rows of an HTTP bulk body (JSON array or NDJSON) as one chunk."""
    media = content_type.split(";", 1)[0].strip().lower()
    schema = text_schema(fields)
    if media in JSON_MEDIA_TYPES:
        array = iter_json_array_pieces(io.BytesIO(body), schema, max_rows=max_rows)
        return _one_chunk(list(array), schema, "index")
    if media in NDJSON_MEDIA_TYPES:
        if body.count(b"\n") >= max_rows and _count_rows(body) > max_rows:
            raise InputRejected(f"the body has more than {max_rows} lines", field="body")
        return _one_chunk([ndjson_piece(body, schema, 0, 1)], schema, "line")
    raise InputRejected(
        f"content type {content_type!r} is not supported; send application/json (an array) "
        "or application/x-ndjson",
        field="content_type",
    )


def _one_chunk(
    pieces: list[RawPiece], schema: dict[str, pl.DataType], location: Location
) -> RawChunk:
    end = max((p.end_pos for p in pieces), default=0)
    for chunk in rechunk(pieces, chunk_rows=max(end, 1), skip_rows=0, location=location):
        return chunk
    empty = pl.DataFrame(schema={SOURCE_LINE: pl.Int64, **schema})
    return RawChunk(frame=empty, malformed=(), location=location, start_row=0, end_row=0)


def _count_rows(body: bytes) -> int:
    return sum(1 for line in body.split(b"\n") if line.strip())


def _check_header(names: list[str], fields: Sequence[str], required: Sequence[str]) -> None:
    missing = [name for name in required if name not in names]
    if missing:
        raise InputRejected(
            f"the header lacks required column(s) {', '.join(missing)}; it has {', '.join(names)}",
            field=missing[0],
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputRejected(f"column(s) {', '.join(repeated)} appear twice", field=repeated[0])


def _parquet_pieces(
    path: Path, fields: Sequence[str], required: Sequence[str], chunk_rows: int, skip_rows: int
) -> Iterator[RawPiece]:
    """Chunk-sized slices read with row-group skipping; a row's ``line`` is its 0-based index."""
    try:
        scan = pl.scan_parquet(path)
        schema = scan.collect_schema()
        total = int(scan.select(pl.len()).collect().item())
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputRejected(f"{path.name!r} is not a readable Parquet file ({exc})") from exc
    _check_header(list(schema.names()), fields, required)
    present = [name for name in fields if name in schema]
    for start in range(skip_rows, total, chunk_rows):
        frame = scan.select(present).slice(start, chunk_rows).collect()
        index = pl.int_range(start, start + frame.height, dtype=pl.Int64, eager=True)
        frame = frame.select(index.alias(POS), index.alias(SOURCE_LINE), pl.all())
        yield RawPiece(frame=frame, malformed=(), end_pos=start + frame.height)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks: the identity of an import."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()

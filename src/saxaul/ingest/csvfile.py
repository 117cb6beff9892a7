"""CSV files read in blocks with Polars; a block that fails is re-read line by line.

Why: one ragged row must cost a rejection, not the file. The happy path hands a whole block
(records never split: the cut is at a newline outside quotes) to ``pl.read_csv``. Polars
silently pads short rows, so the block is also checked by counting separators: the commas in
the block minus the commas inside values must equal ``rows × (columns − 1)``. Any mismatch or
parse error sends just that block to the stdlib ``csv`` module, which finds each broken record.

Example (header is line 1)::

    event_id,source,...      line 1
    e1,app,...               line 2  -> row, line 2
    e2,app                   line 3  -> malformed_row at line 3 ("has 2 fields; header has 10")
    e3,app,...,"{""a"":1}"   line 4  -> row, line 4
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import BinaryIO

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.domain.events import RejectCode, Rejection
from saxaul.ingest.columns import POS, SOURCE_LINE
from saxaul.ingest.pieces import RawPiece, clip

BLOCK_BYTES = 8 << 20
_MAX_OPEN_QUOTE_BYTES = 1 << 20
"""A quoted value still open after this many bytes is broken quoting: cut at a newline."""


def read_header(stream: BinaryIO, known: Sequence[str] = ()) -> list[str]:
    """Column names from the first line (BOM and surrounding spaces removed). An unnamed or
    repeated column that is not one of ``known`` gets a placeholder name; a repeated known
    column is left for the caller to refuse."""
    first = stream.readline()
    if not first.strip():
        raise InputRejected("the CSV file is empty: its first line must name the columns")
    try:
        text = first.decode("utf-8-sig")
        names = [name.strip() for name in next(csv.reader([text], strict=True))]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputRejected(f"the CSV header line cannot be read: {exc}", field="header") from exc
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not name or (name in seen and name not in known):
            names[i] = f"__column_{i + 1}"
        seen.add(names[i])
    return names


def iter_csv_pieces(
    stream: BinaryIO, names: list[str], *, block_bytes: int | None = None
) -> Iterator[RawPiece]:
    """Pieces of the data rows after the header; ``stream`` is positioned after line 1."""
    block_bytes = block_bytes or BLOCK_BYTES
    pos, line, carry = 0, 2, b""
    while True:
        data = stream.read(block_bytes)
        buf = carry + data
        if data:
            cut = _record_end(buf, force=len(buf) > _MAX_OPEN_QUOTE_BYTES)
            block, carry = buf[:cut], buf[cut:]
            if not block:
                continue
        else:
            block, carry = buf, b""
            if not block:
                return
        newlines = block.count(b"\n")
        physical = newlines + (0 if block.endswith(b"\n") else 1)
        piece = _parse_fast(block, names, pos, line, physical) or _parse_slow(
            block, names, pos, line
        )
        yield piece
        pos = piece.end_pos
        line += newlines


def _record_end(buf: bytes, *, force: bool) -> int:
    """Index just past the last newline outside quotes (0 if none yet)."""
    end = buf.rfind(b"\n")
    if end < 0:
        return 0
    last = end
    quotes = buf.count(b'"', 0, end)
    while quotes % 2:
        prev = buf.rfind(b"\n", 0, end)
        if prev < 0:
            return last + 1 if force else 0
        quotes -= buf.count(b'"', prev, end)
        end = prev
    return end + 1


def _parse_fast(
    block: bytes, names: list[str], pos0: int, line0: int, physical: int
) -> RawPiece | None:
    """The block in one ``read_csv``, or None when Polars fails or would silently mis-read a
    row (a short row is padded with empty strings: caught by counting separators)."""
    try:
        frame = pl.read_csv(
            block,
            has_header=False,
            schema=dict.fromkeys(names, pl.String),
            empty_string_is_null=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    rows = frame.height
    commas = block.count(b",")
    if b'"' in block:
        commas -= _sum_matches(frame, ",")
    if commas != rows * (len(names) - 1):
        return None
    index = pl.int_range(rows, dtype=pl.Int64, eager=True)
    if physical == rows:
        lines = index + line0
    else:
        extra = frame.select(_row_matches("\n")).to_series()
        lines = index + line0 + extra.cum_sum() - extra
        if rows == 0 or int(lines[-1]) + int(extra[-1]) != line0 + physical - 1:
            return None
    frame = frame.select((index + pos0).alias(POS), lines.alias(SOURCE_LINE), *names)
    return RawPiece(frame=frame, malformed=(), end_pos=pos0 + rows)


def _row_matches(literal: str) -> pl.Expr:
    return pl.sum_horizontal(pl.all().str.count_matches(literal, literal=True)).cast(pl.Int64)


def _sum_matches(frame: pl.DataFrame, literal: str) -> int:
    return int(frame.select(_row_matches(literal).sum()).item())


def _parse_slow(block: bytes, names: list[str], pos0: int, line0: int) -> RawPiece:
    """Record by record with the stdlib reader; a broken record rejects its first line only."""
    physical = block.split(b"\n")
    if physical and not physical[-1]:
        physical.pop()
    width = len(names)
    good: list[list[str]] = []
    good_pos: list[int] = []
    good_lines: list[int] = []
    bad: list[tuple[int, Rejection]] = []
    pos = pos0
    feed = _Lines(physical, 0)
    reader = csv.reader(feed, strict=True)
    while feed.index < len(physical):
        start = feed.index
        problem: str | None = None
        try:
            fields = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            problem = f"the row is not valid CSV ({exc}); check its quotes and encoding"
        else:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != width:
                problem = (
                    f"the row has {len(fields)} fields but the header has {width}; "
                    "quote values that contain commas"
                )
        if problem is None:
            good.append(fields)
            good_pos.append(pos)
            good_lines.append(line0 + start)
        else:
            raw = physical[start].decode("utf-8", errors="replace").rstrip("\r")
            bad.append(
                (pos, Rejection(line0 + start, RejectCode.MALFORMED_ROW, problem, clip(raw)))
            )
            feed = _Lines(physical, start + 1)
            reader = csv.reader(feed, strict=True)
        pos += 1
    columns = list(zip(*good, strict=True)) if good else [() for _ in names]
    frame = pl.DataFrame(
        {POS: good_pos, SOURCE_LINE: good_lines, **dict(zip(names, columns, strict=True))},
        schema={POS: pl.Int64, SOURCE_LINE: pl.Int64, **dict.fromkeys(names, pl.String)},
    )
    return RawPiece(frame=frame, malformed=tuple(bad), end_pos=pos)


class _Lines:
    """Physical lines decoded one at a time for ``csv.reader``, counting how many were taken."""

    def __init__(self, lines: list[bytes], index: int) -> None:
        self.lines = lines
        self.index = index

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.index >= len(self.lines):
            raise StopIteration
        line = self.lines[self.index]
        self.index += 1
        return line.decode("utf-8") + "\n"

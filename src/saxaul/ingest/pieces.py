"""Raw rows between a reader and a validator, cut into chunks at fixed row offsets.

Why: a killed import must resume exactly where it stopped. Readers parse a file in blocks of
whatever size suits them (a *piece*); this module re-cuts the stream of pieces so that chunk k
always covers data rows ``[skip_rows + k*chunk_rows, skip_rows + (k+1)*chunk_rows)``, whatever
the block size. A data row is a CSV record, a non-blank NDJSON line, a JSON array element or a
Parquet row; blank lines are not rows. Example: 7 rows, ``chunk_rows=3, skip_rows=2`` → chunks
over rows [2, 5) and [5, 7), with ``end_row`` 5 and 7 to resume from.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from saxaul.domain.events import Rejection
from saxaul.ingest.columns import POS, RAW_MAX_CHARS, SOURCE_LINE, Location

RawText = Callable[[int], "str | None"]
"""Raw text of the row at a line (or index), or None when this source does not hold it."""


@dataclass(frozen=True, slots=True)
class RawPiece:
    """Rows parsed from one stretch of a file: ``frame`` has POS, SOURCE_LINE, input columns."""

    frame: pl.DataFrame
    malformed: tuple[tuple[int, Rejection], ...]
    """Rows that could not be parsed at all, each with its data-row position."""
    end_pos: int
    """Data-row position just past this piece."""
    raw_text: RawText | None = None


@dataclass(frozen=True, slots=True)
class RawChunk:
    """One chunk of rows as sent (SOURCE_LINE + input columns, text or typed), ready to validate."""

    frame: pl.DataFrame
    malformed: tuple[Rejection, ...]
    location: Location
    start_row: int
    end_row: int
    raw_texts: tuple[RawText, ...] = ()
    render_as_csv: bool = False
    """Without a stored raw text, render a row as a CSV line (else as a JSON object)."""

    def raw_of(self, line: int, row: dict[str, object]) -> str:
        """The row as sent, truncated: the stored line if a source kept it, else re-rendered."""
        for lookup in self.raw_texts:
            text = lookup(line)
            if text is not None:
                return clip(text)
        values = {k: v for k, v in row.items() if k in self.frame.columns and k != SOURCE_LINE}
        if self.render_as_csv:
            out = io.StringIO()
            csv.writer(out, lineterminator="").writerow(
                "" if v is None else str(v) for v in values.values()
            )
            return clip(out.getvalue())
        return clip(json.dumps(values, ensure_ascii=False, default=str, separators=(",", ":")))


def clip(text: str) -> str:
    """Raw text as kept in a rejection: at most RAW_MAX_CHARS characters."""
    return text if len(text) <= RAW_MAX_CHARS else text[: RAW_MAX_CHARS - 1] + "…"


def rechunk(
    pieces: Iterable[RawPiece],
    *,
    chunk_rows: int,
    skip_rows: int,
    location: Location,
    render_as_csv: bool = False,
) -> Iterator[RawChunk]:
    """Re-cut ``pieces`` into chunks of exactly ``chunk_rows`` data rows from ``skip_rows`` on."""
    if chunk_rows < 1 or skip_rows < 0:
        raise ValueError("chunk_rows must be >= 1 and skip_rows >= 0")
    start = skip_rows
    held: list[RawPiece] = []
    for piece in pieces:
        if piece.end_pos <= start:
            continue
        held.append(piece)
        while held and held[-1].end_pos >= start + chunk_rows:
            yield _cut(held, start, start + chunk_rows, location, render_as_csv)
            start += chunk_rows
            held = [p for p in held if p.end_pos > start]
    if held:
        yield _cut(held, start, held[-1].end_pos, location, render_as_csv)


def _cut(
    held: list[RawPiece], start: int, end: int, location: Location, render_as_csv: bool
) -> RawChunk:
    frames = []
    for piece in held:
        positions = piece.frame.get_column(POS)
        lo = int(positions.search_sorted(start, side="left"))
        hi = int(positions.search_sorted(end, side="left"))
        if hi > lo:
            frames.append(piece.frame.slice(lo, hi - lo))
    frame = pl.concat(frames) if frames else held[0].frame.clear()
    malformed = tuple(r for p in held for pos, r in p.malformed if start <= pos < end)
    return RawChunk(
        frame=frame.drop(POS),
        malformed=malformed,
        location=location,
        start_row=start,
        end_row=end,
        raw_texts=tuple(p.raw_text for p in held if p.raw_text is not None),
        render_as_csv=render_as_csv,
    )

"""Behaviour events from files and HTTP bodies: per chunk, accepted rows and rejections.

The rules this module owns, in the order a row is checked (its first problem is its one
rejection): ``event_id`` (≤ 128), ``source`` (≤ 64), ``user_id`` (≤ 128) and ``behaviour``
(≤ 64, known when ``known_behaviours`` is given) are required text without surrounding spaces
or control characters; ``occurred_at`` is ISO 8601 *with* an offset; ``quantity`` (default 1)
is finite in [0, 1e9]; ``amount_minor`` a whole number ≥ 0; ``currency`` three letters
(upper-cased); ``merchant_category`` ≤ 8 characters; ``attributes`` a JSON object (see
``attributes``). Good rows always go through, whatever their neighbours hold.

Identity: ``dedupe_key`` = xxhash64(``source`` ␟ ``event_id``) and ``payload_hash`` =
xxhash64 of every content field rendered in a fixed, versioned text form. In one chunk a
repeat with the same payload is dropped and counted; with another payload it is rejected
``duplicate_in_batch``. That verdict is the chunk's alone: an event stored already has each of
its rows judged against the stored one instead, in ``services.event_chunks``. Example CSV::

    event_id,source,user_id,behaviour,occurred_at
    e1,app,u1,metro_ride,2026-03-01T08:15:00+08:00     line 2 → accepted
    e1,app,u1,metro_ride,2026-03-01T08:15:00+08:00     line 3 → dropped, counted
    e1,app,u1,bus_ride,2026-03-01T08:15:00+08:00       line 4 → duplicate_in_batch
    e2,app,u1,metro_ride,2026-03-01 08:15              line 5 → invalid_timestamp
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import polars_hash as plh

from saxaul.domain.events import RejectCode, Rejection
from saxaul.ingest.attributes import attributes_check
from saxaul.ingest.checks import (
    EXACT,
    Describer,
    FieldCheck,
    Problem,
    code,
    describe_common,
    run_checks,
    split_duplicates,
)
from saxaul.ingest.columns import (
    AMOUNT_MINOR_MAX,
    EVENT_FIELDS,
    EVENT_REQUIRED,
    EVENT_SCHEMA,
    LINE,
    MAX_CHARS,
    QUANTITY_MAX,
    ROW,
    Location,
)
from saxaul.ingest.fields import (
    as_text,
    integer_check,
    is_blank,
    number_check,
    source,
    text_check,
    timestamp_check,
)
from saxaul.ingest.formats import file_sha256, iter_raw_chunks, raw_chunk_from_body
from saxaul.ingest.pieces import RawChunk

__all__ = [
    "IDENTITY",
    "EventChunk",
    "dedupe_key",
    "file_sha256",
    "iter_event_chunks",
    "parse_event_body",
    "payload_hash",
    "validate_events",
]

SEPARATOR = "\x1f"
"""ASCII unit separator between hashed fields; validation keeps it out of every value."""
NULL_TEXT = "\x00"
"""How an absent optional value is rendered for hashing (distinct from the empty string)."""
PAYLOAD_VERSION = "saxaul.event.v1"
"""First hashed field: a change to the rendering below must change this version."""

IDENTITY = (LINE, "source", "event_id", "dedupe_key", "payload_hash")
"""What a row is judged by, beside another row or the store: where it is, which event, its
content."""

Refusal = Callable[[str], str]
"""An unknown behaviour id → why it is refused and what to send instead (``Programme.refusal``)."""


@dataclass(frozen=True, slots=True)
class EventChunk:
    """One chunk's outcome: ``accepted`` (``EVENT_SCHEMA``) and one rejection per bad row."""

    accepted: pl.DataFrame
    rejected: list[Rejection]
    """Sorted by line; each names the row's first problem in column order."""
    rows_read: int
    """Data rows in this chunk: accepted + rejected + duplicates_in_chunk."""
    duplicates_in_chunk: int
    """Exact repeats (same key, same payload) dropped inside this chunk."""
    repeats: pl.DataFrame
    """Every later row of a key repeated in this chunk: ``IDENTITY`` and ``EXACT``. The
    chunk's own verdict on them (exact: counted above; otherwise: rejected beside its first
    occurrence) holds only while the key is not stored: a stored key's rows are each judged
    against the stored event (``services.event_chunks``)."""
    location: Location
    """``"line"``: 1-based physical line (CSV header = 1, NDJSON); ``"index"``: 0-based."""
    start_row: int
    """Data-row offset of this chunk's first row in its file."""
    end_row: int
    """Data-row offset just past this chunk: pass it as ``skip_rows`` to resume after it."""


def iter_event_chunks(
    path: Path,
    *,
    known_behaviours: frozenset[str] | None,
    refusal: Refusal | None = None,
    chunk_rows: int = 500_000,
    skip_rows: int = 0,
    fmt: str | None = None,
) -> Iterator[EventChunk]:
    """Validated chunks of an event file (.csv, .ndjson/.jsonl, .json, .parquet), streamed.

    Chunk k covers data rows ``[skip_rows + k*chunk_rows, skip_rows + (k+1)*chunk_rows)``;
    after a crash, restart with ``skip_rows`` = the last committed chunk's ``end_row``.
    """
    for raw in iter_raw_chunks(
        path, EVENT_FIELDS, EVENT_REQUIRED, fmt=fmt, chunk_rows=chunk_rows, skip_rows=skip_rows
    ):
        yield validate_events(raw, known_behaviours=known_behaviours, refusal=refusal)


def parse_event_body(
    body: bytes,
    content_type: str,
    *,
    known_behaviours: frozenset[str] | None,
    refusal: Refusal | None = None,
    max_rows: int,
) -> EventChunk:
    """An HTTP bulk body (``application/json`` array or ``application/x-ndjson``) as one chunk.

    Raises ``InputRejected`` when the body cannot be read at all: another content type, not
    JSON, not an array, or more than ``max_rows`` rows.
    """
    raw = raw_chunk_from_body(body, content_type, EVENT_FIELDS, max_rows=max_rows)
    return validate_events(raw, known_behaviours=known_behaviours, refusal=refusal)


def validate_events(
    raw: RawChunk, *, known_behaviours: frozenset[str] | None, refusal: Refusal | None = None
) -> EventChunk:
    """Check every row of a raw chunk, key the good ones and settle in-chunk duplicates.

    ``refusal`` gives the reason for a behaviour outside ``known_behaviours``: the programme
    knows why (another pack was chosen for its activity) and what to send instead.
    """
    frame = raw.frame
    checks = [
        text_check(frame, "event_id", max_chars=MAX_CHARS["event_id"], required=True),
        text_check(frame, "source", max_chars=MAX_CHARS["source"], required=True),
        text_check(frame, "user_id", max_chars=MAX_CHARS["user_id"], required=True),
        text_check(
            frame,
            "behaviour",
            max_chars=MAX_CHARS["behaviour"],
            required=True,
            allowed=known_behaviours,
        ),
        timestamp_check(frame, "occurred_at", required=True),
        number_check(frame, "quantity", default=1.0, low=0.0, high=QUANTITY_MAX),
        integer_check(frame, "amount_minor", low=0, high=AMOUNT_MINOR_MAX, dtype_out=pl.Int64()),
        _currency_check(frame),
        text_check(
            frame, "merchant_category", max_chars=MAX_CHARS["merchant_category"], required=False
        ),
        attributes_check(frame),
    ]
    keys = (dedupe_key().alias("dedupe_key"), payload_hash().alias("payload_hash"))
    good, rejected = run_checks(raw, checks, _describer(refusal), derive=keys)
    kept, later = split_duplicates(good, "dedupe_key", "payload_hash", carry=("source", "event_id"))
    rejected.extend(
        _conflict(raw, row) for row in later.filter(~pl.col(EXACT)).iter_rows(named=True)
    )
    return EventChunk(
        accepted=kept.select(EVENT_SCHEMA.names()).cast(EVENT_SCHEMA),
        rejected=sorted([*raw.malformed, *rejected], key=lambda r: r.line),
        rows_read=frame.height + len(raw.malformed),
        duplicates_in_chunk=int(later.get_column(EXACT).sum()),
        repeats=later.select(*(pl.col(c).cast(EVENT_SCHEMA[c]) for c in IDENTITY), EXACT),
        location=raw.location,
        start_row=raw.start_row,
        end_row=raw.end_row,
    )


def dedupe_key() -> pl.Expr:
    """xxhash64 of ``source`` ␟ ``event_id``, as a signed 64-bit integer."""
    joined = plh.concat_str([pl.col("source"), pl.col("event_id")], separator=SEPARATOR)
    key: pl.Expr = joined.nchash.xxhash64().reinterpret(signed=True)
    return key


def payload_hash() -> pl.Expr:
    """xxhash64 of the version tag and every content field in a fixed text form.

    Instants as UTC epoch microseconds, ``quantity`` as the decimal of its IEEE-754 bits (no
    float formatting involved), absent optional values as NUL: stable across library versions.
    """
    parts = [
        pl.lit(PAYLOAD_VERSION),
        pl.col("source"),
        pl.col("event_id"),
        pl.col("user_id"),
        pl.col("behaviour"),
        pl.col("occurred_at").dt.epoch("us").cast(pl.String),
        pl.col("quantity").reinterpret(dtype=pl.Int64).cast(pl.String),
        pl.col("amount_minor").cast(pl.String).fill_null(NULL_TEXT),
        pl.col("currency").fill_null(NULL_TEXT),
        pl.col("merchant_category").fill_null(NULL_TEXT),
        pl.col("attributes").fill_null(NULL_TEXT),
    ]
    digest: pl.Expr = (
        plh.concat_str(parts, separator=SEPARATOR).nchash.xxhash64().reinterpret(signed=True)
    )
    return digest


def _currency_check(frame: pl.DataFrame) -> FieldCheck:
    expr, dtype = source(frame, "currency")
    text = as_text(expr, dtype)
    blank = is_blank(text)
    problem = (
        pl.when(blank)
        .then(None)
        .when(~text.str.contains(r"^[A-Za-z]{3}$"))
        .then(code(Problem.BAD_FORMAT))
        .otherwise(None)
    )
    return FieldCheck("currency", pl.when(~blank).then(text.str.to_uppercase()), problem)


_REASONS = {
    (
        "quantity",
        Problem.NOT_NUMBER,
    ): "quantity '{value}' is not a number; send e.g. 1, 2.5 or 8000",
    ("quantity", Problem.OUT_OF_RANGE): "quantity '{value}' must be a finite number from 0 to 1e9",
    ("amount_minor", Problem.NOT_NUMBER): "amount_minor '{value}' is not a whole number of minor "
    "units; send 1250 for 12.50",
    ("amount_minor", Problem.OUT_OF_RANGE): "amount_minor '{value}' is out of range; send 0 to "
    f"{AMOUNT_MINOR_MAX}",
    ("currency", Problem.BAD_FORMAT): "currency '{value}' is not a 3-letter ISO 4217 code such "
    "as CNY",
    ("attributes", Problem.TOO_LONG): "attributes is longer than {limit} characters as compact "
    "JSON; keep it to a few short keys",
}


def _describer(refusal: Refusal | None) -> Describer:
    """The reasons above, and the programme's own for a behaviour it does not score."""

    def describe(field: str, problem: Problem, value: object) -> tuple[RejectCode, str]:
        code, reason = describe_common(field, problem, value, _REASONS)
        if refusal is not None and (field, problem) == ("behaviour", Problem.UNKNOWN):
            return code, refusal(str(value))
        return code, reason

    return describe


def _conflict(raw: RawChunk, row: dict[str, object]) -> Rejection:
    first = f"{raw.location} {row['first_line']}"
    event = f"event_id '{row['event_id']}' from source '{row['source']}'"
    if (row["source"], row["event_id"]) != (row["first_source"], row["first_event_id"]):
        code = RejectCode.KEY_COLLISION
        reason = f"{event} has the same 64-bit key as the event at {first}; report this"
    else:
        code = RejectCode.DUPLICATE_IN_BATCH
        reason = (
            f"{event} already appears at {first} of this batch with different fields; "
            "send each event once, and a change as a new event_id"
        )
    line = int(str(row[LINE]))
    values = raw.frame.row(int(str(row[ROW])), named=True)
    return Rejection(line, code, reason, raw.raw_of(line, values), "event_id")

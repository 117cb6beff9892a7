"""Reversal files: refunds and chargebacks naming the events they reverse, per chunk.

Why through the event readers: a reversal file is read, numbered and checked exactly as an
event file is (same formats, same text and time rules, same reasons), so a bad row is reported
with its line and reason while the good rows go on. Rules, in check order: ``source`` (≤ 64),
``event_id`` and ``original_event_id`` (≤ 128) are required text without surrounding spaces or
control characters; ``reason`` is ``refund`` or ``chargeback``; ``occurred_at`` is ISO 8601
with an offset. Example CSV::

    source,event_id,original_event_id,reason,occurred_at
    wallet,r1,p7,refund,2026-03-02T10:00:00+08:00        line 2 → accepted
    wallet,r2,p8,returned,2026-03-02T10:00:00+08:00      line 3 → invalid_value (reason)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from saxaul.domain.events import RejectCode, Rejection
from saxaul.domain.reversal import ReversalReason, ReversalRequest
from saxaul.ingest.checks import Problem, describe_common, run_checks
from saxaul.ingest.columns import MAX_CHARS
from saxaul.ingest.events import dedupe_key
from saxaul.ingest.fields import text_check, timestamp_check
from saxaul.ingest.formats import iter_raw_chunks
from saxaul.ingest.pieces import RawChunk

REVERSAL_FIELDS = ("source", "event_id", "original_event_id", "reason", "occurred_at")
"""Reversal input columns, every one required, in the order a bad row's problem is chosen."""
_REASONS = frozenset(reason.value for reason in ReversalReason)


@dataclass(frozen=True, slots=True)
class ReversalChunk:
    """One chunk's good requests, in file order, and one rejection per bad row."""

    accepted: list[ReversalRequest]
    rejected: list[Rejection]
    rows_read: int


def iter_reversal_chunks(
    path: Path, *, chunk_rows: int = 10_000, fmt: str | None = None
) -> Iterator[ReversalChunk]:
    """Validated chunks of a reversal file (.csv, .ndjson/.jsonl, .json, .parquet), streamed."""
    for raw in iter_raw_chunks(
        path, REVERSAL_FIELDS, REVERSAL_FIELDS, fmt=fmt, chunk_rows=chunk_rows, skip_rows=0
    ):
        yield validate_reversals(raw)


def validate_reversals(raw: RawChunk) -> ReversalChunk:
    """Check every row of a raw chunk; good rows become ``ReversalRequest``s."""
    frame = raw.frame
    checks = [
        text_check(frame, "source", max_chars=MAX_CHARS["source"], required=True),
        text_check(frame, "event_id", max_chars=MAX_CHARS["event_id"], required=True),
        text_check(frame, "original_event_id", max_chars=MAX_CHARS["event_id"], required=True),
        text_check(frame, "reason", max_chars=16, required=True, allowed=_REASONS),
        timestamp_check(frame, "occurred_at", required=True),
    ]
    good, rejected = run_checks(raw, checks, _describe)
    accepted = [
        ReversalRequest(
            source=row["source"],
            event_id=row["event_id"],
            original_event_id=row["original_event_id"],
            reason=ReversalReason(row["reason"]),
            occurred_at=row["occurred_at"],
        )
        for row in good.iter_rows(named=True)
    ]
    return ReversalChunk(
        accepted=accepted,
        rejected=sorted([*raw.malformed, *rejected], key=lambda r: r.line),
        rows_read=frame.height + len(raw.malformed),
    )


def event_keys(events: Sequence[tuple[str, str]]) -> list[int]:
    """The ``dedupe_key`` of each (source, event id): how the original event is stored."""
    frame = pl.DataFrame(
        {"source": [s for s, _ in events], "event_id": [e for _, e in events]},
        schema={"source": pl.String, "event_id": pl.String},
    )
    keys: list[int] = frame.select(dedupe_key()).to_series().to_list()
    return keys


_SPECIAL = {
    ("reason", Problem.UNKNOWN): "reason '{value}' is not refund or chargeback",
    ("original_event_id", Problem.TOO_LONG): "original_event_id is {length} characters long; "
    f"the limit is {MAX_CHARS['event_id']}",
}


def _describe(field: str, problem: Problem, value: object) -> tuple[RejectCode, str]:
    return describe_common(field, problem, value, _SPECIAL)

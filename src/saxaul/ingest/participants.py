"""Participant files: enrolment, consent and optional demographics, per chunk.

Rules, in check order: ``user_id`` required (≤ 128, no surrounding spaces); ``enrolled_at``
ISO 8601 with an offset; ``consent`` ``true`` (= scoring and reports), ``false`` or empty (=
none), or scopes as ``"scoring;reports"`` text or a JSON list; ``gender`` one of female, male,
other, unknown (also f/m, any case) or empty; ``birth_year`` 1900..2026 or empty; ``province``
≤ 64 characters or empty. A user repeated in one chunk with the same fields is dropped and
counted; with other fields it is rejected ``duplicate_in_batch``. Example::

    user_id,enrolled_at,consent,gender
    u1,2026-01-05T09:00:00+08:00,true,F        → consent_scopes 'reports;scoring', 'female'
    u2,2026-01-05T09:00:00+08:00,reports,      → consent_scopes 'reports', gender null
    u3,2026-01-05T09:00:00+08:00,yes,m         → invalid_value (consent)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from saxaul.domain.events import RejectCode, Rejection
from saxaul.domain.participants import ConsentScope
from saxaul.ingest.checks import (
    EXACT,
    FieldCheck,
    Problem,
    code,
    describe_common,
    run_checks,
    split_duplicates,
)
from saxaul.ingest.columns import (
    BIRTH_YEAR_MAX,
    BIRTH_YEAR_MIN,
    LINE,
    MAX_CHARS,
    PARTICIPANT_FIELDS,
    PARTICIPANT_REQUIRED,
    PARTICIPANT_SCHEMA,
    ROW,
    Location,
)
from saxaul.ingest.fields import (
    as_text,
    integer_check,
    is_blank,
    source,
    text_check,
    timestamp_check,
)
from saxaul.ingest.formats import iter_raw_chunks
from saxaul.ingest.nesting import TooDeep, loads
from saxaul.ingest.pieces import RawChunk

ALL_SCOPES = ";".join(sorted(str(scope.value) for scope in ConsentScope))
_SCOPES = frozenset(str(scope.value) for scope in ConsentScope)
_COMMON_CONSENT = {
    "true": ALL_SCOPES,
    "false": "",
    **{scope: scope for scope in _SCOPES},
    ALL_SCOPES: ALL_SCOPES,
    ";".join(sorted(_SCOPES, reverse=True)): ALL_SCOPES,
}
_GENDERS = {
    "female": "female",
    "f": "female",
    "male": "male",
    "m": "male",
    "other": "other",
    "unknown": "unknown",
}


@dataclass(frozen=True, slots=True)
class ParticipantChunk:
    """One chunk's outcome: ``accepted`` (``PARTICIPANT_SCHEMA``) and one rejection per bad row."""

    accepted: pl.DataFrame
    rejected: list[Rejection]
    rows_read: int
    """Data rows in this chunk: accepted + rejected + duplicates_in_chunk."""
    duplicates_in_chunk: int
    location: Location
    start_row: int
    end_row: int
    """Pass as ``skip_rows`` to resume after this chunk."""


def iter_participant_chunks(
    path: Path, *, chunk_rows: int = 500_000, skip_rows: int = 0, fmt: str | None = None
) -> Iterator[ParticipantChunk]:
    """Validated chunks of a participant file, with the same chunking as events."""
    for raw in iter_raw_chunks(
        path,
        PARTICIPANT_FIELDS,
        PARTICIPANT_REQUIRED,
        fmt=fmt,
        chunk_rows=chunk_rows,
        skip_rows=skip_rows,
    ):
        yield validate_participants(raw)


def validate_participants(raw: RawChunk) -> ParticipantChunk:
    """Check every row of a raw chunk and settle users repeated inside it."""
    frame = raw.frame
    checks = [
        text_check(frame, "user_id", max_chars=MAX_CHARS["user_id"], required=True),
        timestamp_check(frame, "enrolled_at", required=True),
        _consent_check(frame),
        _gender_check(frame),
        integer_check(
            frame, "birth_year", low=BIRTH_YEAR_MIN, high=BIRTH_YEAR_MAX, dtype_out=pl.Int32()
        ),
        text_check(frame, "province", max_chars=MAX_CHARS["province"], required=False),
    ]
    content = [c.name for c in checks]
    fingerprint = pl.struct(content).hash().alias("__content")
    good, rejected = run_checks(raw, checks, _describe, derive=(fingerprint,))
    kept, later = split_duplicates(good, "user_id", "__content")
    rejected.extend(
        _conflict(raw, row) for row in later.filter(~pl.col(EXACT)).iter_rows(named=True)
    )
    accepted = kept.select(LINE, *content).rename({"consent": "consent_scopes"})
    return ParticipantChunk(
        accepted=accepted.cast(PARTICIPANT_SCHEMA),
        rejected=sorted([*raw.malformed, *rejected], key=lambda r: r.line),
        rows_read=frame.height + len(raw.malformed),
        duplicates_in_chunk=int(later.get_column(EXACT).sum()),
        location=raw.location,
        start_row=raw.start_row,
        end_row=raw.end_row,
    )


def _consent_check(frame: pl.DataFrame) -> FieldCheck:
    """Common spellings mapped in Polars; anything else parsed once per distinct value."""
    expr, dtype = source(frame, "consent")
    if dtype == pl.Boolean:
        value = pl.when(expr.fill_null(False)).then(pl.lit(ALL_SCOPES)).otherwise(pl.lit(""))
        return FieldCheck("consent", value, pl.lit(None, pl.UInt8))
    text = expr.list.join(";") if isinstance(dtype, pl.List) else as_text(expr, dtype)
    word = text.str.strip_chars().str.to_lowercase()
    mapped = word.replace_strict(_COMMON_CONSENT, default=None, return_dtype=pl.String)
    blank = is_blank(word)
    problem = pl.when(~blank & mapped.is_null()).then(code(Problem.RETRY))
    value = pl.when(blank).then(pl.lit("")).otherwise(mapped)
    return FieldCheck("consent", value, problem.otherwise(None).cast(pl.UInt8), _resolve_consent)


def _resolve_consent(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    texts = values.list.join(";") if isinstance(values.dtype, pl.List) else values.cast(pl.String)
    seen: dict[str, str | Problem] = {}
    for text in texts.unique().to_list():
        seen[text] = _scopes(text)
    results = [seen[t] for t in texts.to_list()]
    scopes = [None if isinstance(r, Problem) else r for r in results]
    problems = [int(r) if isinstance(r, Problem) else None for r in results]
    return pl.Series(scopes, dtype=pl.String), pl.Series(problems, dtype=pl.UInt8)


def _scopes(text: str) -> str | Problem:
    """``'reports; Scoring'`` or ``'["scoring"]'`` → sorted ';'-joined scopes, or the problem."""
    word = text.strip().lower()
    names: list[object]
    if word.startswith("["):
        try:
            parsed = loads(word)
        except TooDeep:
            return Problem.TOO_DEEP
        except ValueError:
            return Problem.BAD_FORMAT
        names = parsed if isinstance(parsed, list) else [parsed]
    else:
        names = [part.strip() for part in re.split(r"[;,]", word)]
    chosen = {n for n in names if n != ""}
    if not all(isinstance(n, str) and n in _SCOPES for n in chosen):
        return Problem.BAD_FORMAT
    return ";".join(sorted(str(n) for n in chosen))


def _gender_check(frame: pl.DataFrame) -> FieldCheck:
    expr, dtype = source(frame, "gender")
    word = as_text(expr, dtype).str.strip_chars().str.to_lowercase()
    mapped = word.replace_strict(_GENDERS, default=None, return_dtype=pl.String)
    problem = pl.when(~is_blank(word) & mapped.is_null()).then(code(Problem.BAD_FORMAT))
    return FieldCheck("gender", mapped, problem.otherwise(None).cast(pl.UInt8))


_REASONS = {
    ("consent", Problem.BAD_FORMAT): "consent '{value}' is not true, false or scopes such as "
    "'scoring;reports'",
    ("gender", Problem.BAD_FORMAT): "gender '{value}' is not female, male, other or unknown "
    "(f and m are fine too)",
    ("birth_year", Problem.NOT_NUMBER): "birth_year '{value}' is not a year such as 1990",
    ("birth_year", Problem.OUT_OF_RANGE): f"birth_year '{{value}}' is outside {BIRTH_YEAR_MIN}"
    f"..{BIRTH_YEAR_MAX}",
}


def _describe(field: str, problem: Problem, value: object) -> tuple[RejectCode, str]:
    return describe_common(field, problem, value, _REASONS)


def _conflict(raw: RawChunk, row: dict[str, object]) -> Rejection:
    reason = (
        f"user_id '{row['user_id']}' already appears at {raw.location} {row['first_line']} of this "
        "batch with different fields; send each participant once"
    )
    line = int(str(row[LINE]))
    values = raw.frame.row(int(str(row[ROW])), named=True)
    return Rejection(
        line, RejectCode.DUPLICATE_IN_BATCH, reason, raw.raw_of(line, values), "user_id"
    )

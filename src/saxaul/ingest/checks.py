"""Running vectorised field checks: each row gets values and problem codes, bad rows a reason.

Why this shape: per-row Python cannot reach millions of rows a second, so each check (see
``fields``) is a set of Polars expressions giving the field's canonical value and, where the
value is bad, a small problem code. The first problem in column order decides a bad row's one
rejection; only bad rows reach Python, to word a reason a person can act on. Values the fast
path cannot decide (a valid but unusual spelling) are marked ``RETRY`` and settled by the
check's Python fallback, run on those rows alone.

Example: ``occurred_at = "2026-03-01 08:00"`` → fast parse fails → RETRY → ``fromisoformat``
finds no offset → ``NO_OFFSET`` → rejection ``invalid_timestamp`` "occurred_at '2026-03-01
08:00' has no UTC offset; send e.g. 2026-03-01T08:00:00+08:00".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

import polars as pl

from saxaul.domain.events import RejectCode, Rejection
from saxaul.ingest.columns import LINE, MAX_CHARS, MAX_JSON_DEPTH, ROW, SOURCE_LINE
from saxaul.ingest.pieces import RawChunk

EXAMPLE_TIMESTAMP = "2026-03-01T08:00:00+08:00"


class Problem(IntEnum):
    """What is wrong with one field of one row."""

    MISSING = 1
    TOO_LONG = 2
    BAD_CHARS = 3
    UNKNOWN = 4
    NO_OFFSET = 5
    BAD_TIMESTAMP = 6
    NOT_NUMBER = 7
    OUT_OF_RANGE = 8
    BAD_FORMAT = 9
    NOT_OBJECT = 10
    NUL_CHAR = 11
    """The input text holds U+0000: checked before the field's own rule, in every field."""
    TOO_DEEP = 12
    RETRY = 31
    """Internal: the fast path could not decide; the check's Python fallback will."""


Resolver = Callable[[pl.Series], tuple[pl.Series, pl.Series]]
"""Settles RETRY rows: their input values → (canonical values, problem codes or null)."""
Describer = Callable[[str, Problem, object], tuple[RejectCode, str]]
"""(field, problem, input value) → the rejection code and a reason a person can act on."""


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """A field's canonical value and problem code (UInt8, null when fine), as expressions.

    ``prepare`` holds aliased intermediate columns (a parsed timestamp, say), each computed
    once, in order (the second may use the first), before ``value`` and ``problem`` use them.
    """

    name: str
    value: pl.Expr
    problem: pl.Expr
    resolve: Resolver | None = None
    prepare: tuple[pl.Expr, ...] = ()


def code(problem: Problem) -> pl.Expr:
    return pl.lit(int(problem), pl.UInt8)


def _problem_column(name: str) -> str:
    return f"__problem_{name}"


def run_checks(
    raw: RawChunk,
    checks: Sequence[FieldCheck],
    describe: Describer,
    derive: Sequence[pl.Expr] = (),
) -> tuple[pl.DataFrame, list[Rejection]]:
    """Good rows (LINE, ROW, each checked value, each ``derive`` column computed from the
    values, e.g. a hash) and one rejection per bad row. One Polars query on the happy path."""
    frame = raw.frame.with_row_index(ROW)
    query = frame.lazy()
    for stage in range(max(len(c.prepare) for c in checks)):
        query = query.with_columns(c.prepare[stage] for c in checks if len(c.prepare) > stage)
    checked = query.select(
        pl.col(SOURCE_LINE).alias(LINE),
        pl.col(ROW),
        *(c.value.alias(c.name) for c in checks),
        *(_nul_first(raw.frame, c).alias(_problem_column(c.name)) for c in checks),
    )
    out = _conclude(checked, checks, derive).collect()
    retrying = [c for c in checks if c.resolve is not None and _retry_rows(out, c.name).len()]
    if retrying:
        for check in retrying:
            out = _settle(out, frame, check)
        out = _conclude(out.lazy(), checks, derive).collect()
    names = [LINE, ROW, *(c.name for c in checks), *(e.meta.output_name() for e in derive)]
    flagged = out.get_column(_FIRST)
    if flagged.null_count() == out.height:
        return out.select(names), []
    bad_rows = flagged.is_not_null()
    bad = out.select(LINE, ROW, _FIRST).filter(bad_rows)
    inputs = raw.frame[bad.get_column(ROW)]
    rejections = []
    for (line, _, found), values in zip(bad.iter_rows(), inputs.iter_rows(named=True), strict=True):
        field = checks[found >> 5].name
        reject, reason = describe(field, Problem(found & 31), values.get(field))
        rejections.append(Rejection(line, reject, reason, raw.raw_of(line, values), field))
    return out.select(names).filter(~bad_rows), rejections


_FIRST = "__first_problem"


def _nul_first(frame: pl.DataFrame, check: FieldCheck) -> pl.Expr:
    """The check's problem, preceded by NUL_CHAR when the input text holds U+0000.

    Why before every rule: PostgreSQL cannot store U+0000 in text at all, and no field means
    anything with one, so the reason says exactly that instead of a rule's usual wording
    (which would quote the value, NUL and all).
    """
    dtype = frame.schema.get(check.name)
    if dtype == pl.String:
        text = pl.col(check.name)
    elif isinstance(dtype, pl.List) and dtype.inner == pl.String:
        text = pl.col(check.name).list.join("")
    else:
        return check.problem
    holds_nul = text.str.contains("\x00", literal=True).fill_null(False)
    return pl.when(holds_nul).then(code(Problem.NUL_CHAR)).otherwise(check.problem)


def _conclude(
    query: pl.LazyFrame, checks: Sequence[FieldCheck], derive: Sequence[pl.Expr]
) -> pl.LazyFrame:
    """Each row's first problem (field index << 5 | problem) and the derived columns."""
    first = pl.coalesce(
        (pl.lit(i << 5, pl.UInt16) | pl.col(_problem_column(c.name)).cast(pl.UInt16))
        for i, c in enumerate(checks)
    )
    return query.with_columns(first.alias(_FIRST), *derive)


def _retry_rows(out: pl.DataFrame, name: str) -> pl.Series:
    return (out.get_column(_problem_column(name)) == int(Problem.RETRY)).arg_true()


def _settle(out: pl.DataFrame, frame: pl.DataFrame, check: FieldCheck) -> pl.DataFrame:
    """Replace the RETRY rows' values and problems with what the Python fallback decided."""
    assert check.resolve is not None
    name = check.name
    problems = out.get_column(_problem_column(name))
    retry = _retry_rows(out, name)
    values, codes = check.resolve(frame.get_column(name).gather(retry))
    column = out.get_column(name)
    return out.with_columns(
        column.scatter(retry, values.cast(column.dtype)),
        problems.scatter(retry, codes.cast(pl.UInt8)),
    )


def describe_common(
    field: str, problem: Problem, value: object, special: Mapping[tuple[str, Problem], str]
) -> tuple[RejectCode, str]:
    """The rejection code and a reason naming the field, the value and what to send instead."""
    template = special.get((field, problem)) or _GENERIC[problem]
    text = "" if value is None else str(value)
    reason = template.format(
        field=field,
        value=text if len(text) <= 80 else text[:79] + "…",
        example=EXAMPLE_TIMESTAMP,
        length=len(text),
        limit=MAX_CHARS.get(field, ""),
        depth=MAX_JSON_DEPTH,
    )
    if problem is Problem.MISSING:
        return RejectCode.MISSING_FIELD, reason
    if problem in (Problem.NO_OFFSET, Problem.BAD_TIMESTAMP):
        return RejectCode.INVALID_TIMESTAMP, reason
    if problem is Problem.UNKNOWN and field == "behaviour":
        return RejectCode.UNKNOWN_BEHAVIOUR, reason
    return RejectCode.INVALID_VALUE, reason


_GENERIC: dict[Problem, str] = {
    Problem.MISSING: "{field} is empty; every row needs one",
    Problem.TOO_LONG: "{field} is {length} characters long; the limit is {limit}",
    Problem.BAD_CHARS: "{field} '{value}' has surrounding spaces or a control character",
    Problem.UNKNOWN: "{field} '{value}' is not one of the accepted values",
    Problem.NO_OFFSET: "{field} '{value}' has no UTC offset; send e.g. {example}",
    Problem.BAD_TIMESTAMP: "{field} '{value}' is not an ISO 8601 time; send e.g. {example}",
    Problem.NOT_NUMBER: "{field} '{value}' is not a number",
    Problem.OUT_OF_RANGE: "{field} '{value}' is out of range",
    Problem.BAD_FORMAT: "{field} '{value}' is not in the expected form",
    Problem.NOT_OBJECT: '{field} is not a JSON object; send e.g. {{"line": "2"}}',
    Problem.NUL_CHAR: "{field} contains a NUL character (U+0000), which no store accepts; "
    "remove it and resend",
    Problem.TOO_DEEP: "{field} nests objects and lists more than {depth} levels deep; the limit "
    "is {depth}: flatten it",
    Problem.RETRY: "{field} '{value}' could not be checked",
}


EXACT = "exact"
"""Column of ``split_duplicates``' later rows: True when the row repeats its key's first
occurrence exactly (same payload and carried columns)."""


def split_duplicates(
    frame: pl.DataFrame, key: str, payload: str, *, carry: Sequence[str] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """First occurrence of each key, and every later row of a repeated key, unjudged: each
    with ``first_line`` and ``first_<carry>`` of the occurrence it repeats, and ``EXACT``.

    Why the later rows come back whole, exact repeats too: what they are depends on more than
    the chunk. A participant is judged by the chunk alone (exact repeats dropped, others
    refused), but a stored event's re-sends are judged by the store, each row on its own.

    Example: keys [a, a, a] with payloads [1, 1, 2] → keep row 0; later rows 1 (exact) and 2.
    """
    keys = frame.get_column(key)
    if keys.n_unique() == keys.len():
        return frame, _beside_first(frame.clear(), frame.clear(), key, payload, carry)
    first = keys.is_first_distinct()
    originals = frame.filter(first)
    return originals, _beside_first(frame.filter(~first), originals, key, payload, carry)


def _beside_first(
    later: pl.DataFrame, originals: pl.DataFrame, key: str, payload: str, carry: Sequence[str]
) -> pl.DataFrame:
    """``later`` with its key's first occurrence's line and carried columns, and ``EXACT``."""
    earlier = originals.select(
        key,
        pl.col(LINE).alias("first_line"),
        pl.col(payload).alias("first_payload"),
        *(pl.col(c).alias(f"first_{c}") for c in carry),
    )
    exact = pl.all_horizontal(
        pl.col(payload) == pl.col("first_payload"),
        *(pl.col(c) == pl.col(f"first_{c}") for c in carry),
    )
    joined = later.join(earlier, on=key, how="left", maintain_order="left")
    return joined.with_columns(exact.alias(EXACT)).drop("first_payload")

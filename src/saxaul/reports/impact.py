"""The impact report's figures: Polars group-bys over its inputs, read a chunk at a time.

Why Polars over chunks, not SQL: the same rules must run over the store and over the Parquet
archive (``reports.archive``), so they are written once, over frames. An input arrives as
chunks (``Inputs.frames``): the store's are Arrow batches of ``chunk_rows`` rows
(``reports.impact_inputs``), the archive's one lazy scan run by the streaming engine. Each chunk
is reduced to a partial aggregate — counts and sums by group, or the distinct keys a distinct
count needs — and the partials are combined, so memory holds one chunk, the counted
participants (user id and enrolment time, for the joins) and the partials, never a table.
Awards, events and transfers are read one month of the period at a time, so the distinct
(participant, day) keys of the engagement figures are one month's.

Months and days are passed in as instants (``Span``): the caller decides the zone, and a row's
span is found by ``_bucket`` (one rule for every table).

Only participants who consented to be counted in reports (scope ``reports``, not withdrawn)
are counted, and only their awards, trees and moves (the energy flows are the whole ledger).

Example: ``impact_figures(inputs, months, days).gender`` → ``[(0, "female", 12), (0, None, 1),
(1, "female", 3)]``: new enrolments per month index and gender; the caller sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from saxaul.domain.accounts import prefix
from saxaul.domain.ledger import AccountKind, TransferKind
from saxaul.domain.participants import ConsentScope
from saxaul.store.report_reads import InputName, Range

MOVES_BY_RECEIVER = (TransferKind.COLLECT, TransferKind.STEAL)
"""Game moves whose mover is the participant credited."""
MOVES_BY_GIVER = (TransferKind.WATER, TransferKind.PLANT, TransferKind.POOL)
"""Game moves whose mover is the participant debited."""
ENERGY_KINDS = (
    TransferKind.AWARD,
    TransferKind.COLLECT,
    TransferKind.STEAL,
    TransferKind.WATER,
    TransferKind.EXPIRE,
)
"""The flows the energy table shows: issued, collected, stolen, gifted by watering, expired."""
REPORTED_KINDS = tuple(
    str(k) for k in dict.fromkeys((*ENERGY_KINDS, *MOVES_BY_RECEIVER, *MOVES_BY_GIVER))
)
"""Every transfer kind the report reads (and the archive keeps)."""
DIMENSIONS = ("gender", "birth_year", "province")
"""The demographics a participants table is broken down by."""


@dataclass(frozen=True, slots=True)
class Span:
    """A month or a day: ``[start_us, end_us)`` as instants and ``[first_day, end_day)`` as
    local date ordinals (the ``day`` column of events and awards)."""

    label: str
    start_us: int
    end_us: int
    first_day: int
    end_day: int


class Inputs(Protocol):
    """Where the report's inputs come from: the store in chunks, or the archive."""

    def frames(
        self, name: InputName, where: Range | None, kinds: Sequence[str] = ()
    ) -> Iterator[pl.LazyFrame]:
        """The rows of ``name`` within ``where`` (transfers: of ``kinds``), as one or more
        lazy frames, at least one; the union of them is the input."""
        ...


Engagement = tuple[list[tuple[int, int]], int, list[tuple[int, int]]]
"""In one month: (day index, active) per day, the month's active, (cohort index, active)."""


@dataclass(frozen=True, slots=True)
class Figures:
    """Every figure the report's tables are built from, as (index, …, count) tuples."""

    enrolments: dict[str, list[tuple[int, Any, int]]]
    cohorts: list[tuple[int, int]]
    avoided: list[tuple[int, int, int]]
    trees: list[tuple[int, int]]
    planters: list[tuple[int, int]]
    energy: list[tuple[int, str, int]]
    engagement: list[Engagement]


def impact_figures(
    inputs: Inputs, months: Sequence[Span], days: Sequence[Sequence[Span]]
) -> Figures:
    """Every figure of the period ``months`` (``days``: each month's days)."""
    enrolled, counted = _participants(inputs, months)
    trees, planters = _trees(inputs, months, counted)
    avoided: list[tuple[int, int, int]] = []
    energy: list[tuple[int, str, int]] = []
    engagement: list[Engagement] = []
    for i, month in enumerate(months):
        avoided.append((i, *_avoided(inputs, month, counted)))
        flows, moved = _transfers(inputs, month, days[i])
        energy.extend((i, kind, grams) for kind, grams in flows)
        engagement.append(_active(inputs, month, days[i], months, counted, moved))
    return Figures(
        enrolments={
            d: [(int(m), v, int(n)) for m, v, n in _sum(enrolled, ["month", d]).iter_rows()]
            for d in DIMENSIONS
        },
        cohorts=[
            (int(m), int(n))
            for m, n in _sum(enrolled.filter(~pl.col("before")), ["month"]).iter_rows()
        ],
        avoided=avoided,
        trees=trees,
        planters=planters,
        energy=energy,
        engagement=engagement,
    )


# ------------------------------------------------------------------------------------ rules


def _bucket(column: str, bounds: Sequence[int]) -> pl.Expr:
    """The index of the span a value falls in: 0 before ``bounds[0]``, i before ``bounds[i]``
    (the last index for anything later)."""
    edges = pl.Series(list(bounds[:-1]), dtype=pl.Int64)
    return pl.lit(edges).search_sorted(pl.col(column), side="right").cast(pl.Int64)


def _counted() -> pl.Expr:
    """Participants who agreed to be counted in reports and have not withdrawn."""
    return (
        pl.col("consent_scopes").str.contains(ConsentScope.REPORTS.value, literal=True)
        & pl.col("withdrawn_at_us").is_null()
    )


def _mover() -> pl.Expr:
    """The participant who made a game move: credited by collect and steal, else debited."""
    head = prefix(AccountKind.PARTICIPANT)
    account = (
        pl.when(pl.col("kind").is_in([str(k) for k in MOVES_BY_RECEIVER]))
        .then(pl.col("credit_account"))
        .otherwise(pl.col("debit_account"))
    )
    return pl.when(account.str.starts_with(head)).then(account.str.slice(len(head)))


def _sum(frame: pl.DataFrame, keys: list[str], value: str = "n") -> pl.DataFrame:
    return frame.group_by(keys).agg(pl.col(value).sum())


# ------------------------------------------------------------------------------------ chunks


def _reduce(
    chunks: Iterator[pl.LazyFrame],
    partials: Sequence[Callable[[pl.LazyFrame], pl.LazyFrame]],
    combine: Sequence[Callable[[pl.DataFrame], pl.DataFrame]],
) -> list[pl.DataFrame]:
    """Each partial over every chunk (one streaming run per chunk), then each combine over the
    concatenated partials; ``combine`` is what makes a partial of partials a partial again."""
    parts: list[list[pl.DataFrame]] = [[] for _ in partials]
    for chunk in chunks:
        for out, frame in zip(
            parts, pl.collect_all([p(chunk) for p in partials], engine="streaming"), strict=True
        ):
            out.append(frame)
    return [c(pl.concat(out)) for c, out in zip(combine, parts, strict=True)]


def _participants(inputs: Inputs, months: Sequence[Span]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Counted participants enrolled by the period's end, counted per (month, ``before`` the
    period, gender, birth year, province); and every counted participant (user_id,
    enrolled_at_us), for the joins."""
    keys = ["month", "before", *DIMENSIONS]

    def enrolled(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return (
            chunk.filter(_counted(), pl.col("enrolled_at_us") < months[-1].end_us)
            .with_columns(
                month=_bucket("enrolled_at_us", [m.end_us for m in months]),
                before=pl.col("enrolled_at_us") < months[0].start_us,
            )
            .group_by(keys)
            .agg(n=pl.len().cast(pl.Int64))
        )

    def counted(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return chunk.filter(_counted()).select("user_id", "enrolled_at_us")

    groups, people = _reduce(
        inputs.frames("participants", None),
        [enrolled, counted],
        [lambda f: _sum(f, keys), lambda f: f],
    )
    return groups, people


def _trees(
    inputs: Inputs, months: Sequence[Span], counted: pl.DataFrame
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(month index, trees promised) up to the last month's end, and (month index, participants
    whose first promised tree fell in it); earlier ones in month 0."""
    ends = [m.end_us for m in months]

    def promised(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return chunk.filter(pl.col("promised_at_us").is_not_null()).join(
            counted.lazy(), left_on="initiator", right_on="user_id", how="semi"
        )

    def per_month(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return (
            promised(chunk)
            .group_by(month=_bucket("promised_at_us", ends))
            .agg(n=pl.len().cast(pl.Int64))
        )

    def first(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return promised(chunk).group_by("initiator").agg(pl.col("promised_at_us").min())

    trees, firsts = _reduce(
        inputs.frames("trees", Range("promised_at_us", None, ends[-1])),
        [per_month, first],
        [lambda f: _sum(f, ["month"]), lambda f: f.group_by("initiator").agg(pl.all().min())],
    )
    planters = firsts.group_by(month=_bucket("promised_at_us", ends)).agg(n=pl.len())
    return _pairs(trees), _pairs(planters)


def _avoided(inputs: Inputs, month: Span, counted: pl.DataFrame) -> tuple[int, int]:
    """Avoided mg and participants awarded, of the awards of ``month``'s days."""

    def per_user(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return (
            chunk.join(counted.lazy(), on="user_id", how="semi")
            .group_by("user_id")
            .agg(n=pl.col("avoided_mg").sum())
        )

    (users,) = _reduce(
        inputs.frames("awards", Range("day", month.first_day, month.end_day)),
        [per_user],
        [lambda f: _sum(f, ["user_id"])],
    )
    return int(users["n"].sum()), users.height


def _transfers(
    inputs: Inputs, month: Span, days: Sequence[Span]
) -> tuple[list[tuple[str, int]], pl.DataFrame]:
    """The month's grams per energy kind (the whole ledger), and the (user_id, day index) of
    every participant who made a game move in it."""
    moves = [str(k) for k in (*MOVES_BY_RECEIVER, *MOVES_BY_GIVER)]

    def flows(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return (
            chunk.filter(pl.col("kind").is_in([str(k) for k in ENERGY_KINDS]))
            .group_by("kind")
            .agg(n=pl.col("amount_g").sum())
        )

    def movers(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return (
            chunk.filter(pl.col("kind").is_in(moves))
            .select(user_id=_mover(), day=_bucket("at_us", [d.end_us for d in days]))
            .drop_nulls("user_id")
            .unique()
        )

    grams, moved = _reduce(
        inputs.frames("transfers", Range("at_us", month.start_us, month.end_us), REPORTED_KINDS),
        [flows, movers],
        [lambda f: _sum(f, ["kind"]), lambda f: f.unique()],
    )
    return [(str(k), int(g)) for k, g in grams.iter_rows()], moved


def _active(
    inputs: Inputs,
    month: Span,
    days: Sequence[Span],
    months: Sequence[Span],
    counted: pl.DataFrame,
    moved: pl.DataFrame,
) -> Engagement:
    """Who was active in ``month`` — a scored event (its local day) or a game move — per day,
    in all, and per enrolment month within ``months``."""

    def scored(chunk: pl.LazyFrame) -> pl.LazyFrame:
        return (
            chunk.filter(pl.col("status") == "scored")
            .select("user_id", day=_bucket("day", [d.end_day for d in days]))
            .unique()
        )

    (events,) = _reduce(
        inputs.frames("events", Range("day", month.first_day, month.end_day)),
        [scored],
        [lambda f: f.unique()],
    )
    active = pl.concat([events, moved]).unique().join(counted, on="user_id")
    by_day = active.group_by("day").agg(n=pl.col("user_id").n_unique())
    cohorts = (
        active.filter(
            pl.col("enrolled_at_us") >= months[0].start_us,
            pl.col("enrolled_at_us") < months[-1].end_us,
        )
        .group_by(cohort=_bucket("enrolled_at_us", [m.end_us for m in months]))
        .agg(n=pl.col("user_id").n_unique())
    )
    return _pairs(by_day), active["user_id"].n_unique(), _pairs(cohorts)


def _pairs(frame: pl.DataFrame) -> list[tuple[int, int]]:
    return [(int(i), int(n)) for i, n in frame.iter_rows()]

"""Read-side aggregates of the impact report: every figure is a GROUP BY in the database.

Why aggregate in SQL: the ledger and the events hold millions of rows, and the report needs a
few hundred numbers. Each query returns at most (months × a dimension) rows — a month by
gender, a day by active count — so memory stays bounded whatever the store's size; the engagement
figures are read one month at a time. Months and days are passed in as instants (``Span``): the
caller decides the zone, and a CASE over the bounds buckets a row, the same SQL on both engines.

Only participants who consented to be counted in reports (scope ``reports``, not withdrawn) are
counted, and only their awards, trees and moves.

Example: ``enrolments_by(conn, months, "gender")`` → ``[(0, "female", 12),
(0, None, 1), (1, "female", 3)]``: new enrolments per month index and gender; the caller sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    union,
)

from saxaul.domain.accounts import prefix
from saxaul.domain.ledger import AccountKind, TransferKind
from saxaul.domain.participants import ConsentScope
from saxaul.store.tables import awards, demographics, events, ledger_transfers, participants, trees
from saxaul.store.uow import UnitOfWork

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


Dimension = Literal["gender", "birth_year", "province"]
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


def _bucket(column: ColumnElement[Any], bounds: Sequence[int]) -> ColumnElement[int]:
    """The index of the span a value falls in: 0 before ``bounds[0]``, i before ``bounds[i]``.

    The integers are inlined, not bound: PostgreSQL groups by an expression only when the
    SELECT's and the GROUP BY's are the same text, and two bindings of one value are not.
    """
    last = _integer(len(bounds) - 1)
    if len(bounds) == 1:
        return last
    whens = [(column < _integer(bound), _integer(i)) for i, bound in enumerate(bounds[:-1])]
    return case(*whens, else_=last)


def _integer(value: int) -> ColumnElement[int]:
    """An inlined integer, cast so that PostgreSQL never reads a GROUP BY of it as a position."""
    return cast(literal_column(str(int(value))), BigInteger)


def _counted() -> FromClause:
    """Participants who agreed to be counted in reports and have not withdrawn."""
    return (
        select(participants.c.user_id, participants.c.enrolled_at_us)
        .where(
            participants.c.consent_scopes.contains(ConsentScope.REPORTS.value),
            participants.c.withdrawn_at_us.is_(None),
        )
        .subquery("counted")
    )


def enrolments_by(
    conn: UnitOfWork, months: Sequence[Span], dimension: Dimension
) -> list[tuple[int, Any, int]]:
    """(month index, ``dimension`` of demographics, participants enrolled) up to the last month's
    end; those enrolled before the first month count in month 0 (the figures are cumulative)."""
    column = demographics.c[dimension]
    people = _counted()
    month = _bucket(people.c.enrolled_at_us, [m.end_us for m in months])
    query = (
        select(month, column, func.count())
        .select_from(people.outerjoin(demographics, demographics.c.user_id == people.c.user_id))
        .where(people.c.enrolled_at_us < months[-1].end_us)
        .group_by(month, column)
    )
    return [(int(i), value, int(n)) for i, value, n in conn.execute(query)]


def cohort_sizes(conn: UnitOfWork, months: Sequence[Span]) -> list[tuple[int, int]]:
    """(month index, participants enrolled in that month) within the period."""
    people = _counted()
    month = _bucket(people.c.enrolled_at_us, [m.end_us for m in months])
    query = (
        select(month, func.count())
        .where(
            people.c.enrolled_at_us >= months[0].start_us,
            people.c.enrolled_at_us < months[-1].end_us,
        )
        .group_by(month)
    )
    return [(int(i), int(n)) for i, n in conn.execute(query)]


def avoided_by_month(conn: UnitOfWork, months: Sequence[Span]) -> list[tuple[int, int, int]]:
    """(month index, avoided mg, participants awarded) of the awards of each month's days."""
    people = _counted()
    month = _bucket(awards.c.day, [m.end_day for m in months])
    query = (
        select(month, func.sum(awards.c.avoided_mg), func.count(func.distinct(awards.c.user_id)))
        .join(people, people.c.user_id == awards.c.user_id)
        .where(awards.c.day >= months[0].first_day, awards.c.day < months[-1].end_day)
        .group_by(month)
    )
    return [(int(i), int(mg or 0), int(n)) for i, mg, n in conn.execute(query)]


def trees_by_month(conn: UnitOfWork, months: Sequence[Span]) -> list[tuple[int, int]]:
    """(month index, trees promised) up to the last month's end, earlier ones in month 0."""
    people = _counted()
    month = _bucket(trees.c.promised_at_us, [m.end_us for m in months])
    query = (
        select(month, func.count())
        .join(people, people.c.user_id == trees.c.initiator)
        .where(trees.c.promised_at_us.is_not(None), trees.c.promised_at_us < months[-1].end_us)
        .group_by(month)
    )
    return [(int(i), int(n)) for i, n in conn.execute(query)]


def first_planting_by_month(conn: UnitOfWork, months: Sequence[Span]) -> list[tuple[int, int]]:
    """(month index, participants whose first promised tree fell in it), earlier in month 0."""
    people = _counted()
    first = (
        select(trees.c.initiator, func.min(trees.c.promised_at_us).label("at_us"))
        .join(people, people.c.user_id == trees.c.initiator)
        .where(trees.c.promised_at_us.is_not(None))
        .group_by(trees.c.initiator)
        .subquery()
    )
    month = _bucket(first.c.at_us, [m.end_us for m in months])
    query = select(month, func.count()).where(first.c.at_us < months[-1].end_us).group_by(month)
    return [(int(i), int(n)) for i, n in conn.execute(query)]


def _active(month: Span, days: Sequence[Span]) -> Select[Any]:
    """(user_id, day index) of everyone who had a scored event or made a game move in ``month``."""
    head = prefix(AccountKind.PARTICIPANT)
    t = ledger_transfers.c
    mover = case(
        (t.kind.in_([str(k) for k in MOVES_BY_RECEIVER]), t.credit_account), else_=t.debit_account
    )
    scored = select(
        events.c.user_id.label("user_id"),
        _bucket(events.c.day, [d.end_day for d in days]).label("day"),
    ).where(
        events.c.status == "scored",
        events.c.day >= month.first_day,
        events.c.day < month.end_day,
    )
    moved = (
        select(
            func.substr(mover, len(head) + 1).label("user_id"),
            _bucket(t.at_us, [d.end_us for d in days]).label("day"),
        )
        .where(
            t.kind.in_([str(k) for k in (*MOVES_BY_RECEIVER, *MOVES_BY_GIVER)]),
            t.at_us >= month.start_us,
            t.at_us < month.end_us,
        )
        .where(mover.startswith(head))
    )
    return union(scored, moved).subquery("active")  # type: ignore[return-value]


def active_in(
    conn: UnitOfWork, month: Span, days: Sequence[Span], months: Sequence[Span]
) -> tuple[list[tuple[int, int]], int, list[tuple[int, int]]]:
    """In ``month``: (day index, active participants) per day, the month's active participants,
    and (enrolment month index, active participants) for those enrolled within ``months``."""
    active: Any = _active(month, days)
    people = _counted()
    joined = active.join(people, people.c.user_id == active.c.user_id)
    daily = conn.execute(
        select(active.c.day, func.count(func.distinct(active.c.user_id)))
        .select_from(joined)
        .group_by(active.c.day)
    )
    by_day = [(int(d), int(n)) for d, n in daily]
    total = conn.execute(
        select(func.count(func.distinct(active.c.user_id))).select_from(joined)
    ).scalar_one()
    cohort = _bucket(people.c.enrolled_at_us, [m.end_us for m in months])
    cohorts = conn.execute(
        select(cohort, func.count(func.distinct(active.c.user_id)))
        .select_from(joined)
        .where(
            and_(
                people.c.enrolled_at_us >= months[0].start_us,
                people.c.enrolled_at_us < months[-1].end_us,
            )
        )
        .group_by(cohort)
    )
    return by_day, int(total or 0), [(int(c), int(n)) for c, n in cohorts]


def energy_by_month(conn: UnitOfWork, months: Sequence[Span]) -> list[tuple[int, str, int]]:
    """(month index, transfer kind, grams) of the ledger's flows in ``ENERGY_KINDS``."""
    t = ledger_transfers.c
    month = _bucket(t.at_us, [m.end_us for m in months])
    query = (
        select(month, t.kind, func.sum(t.amount_g))
        .where(
            t.kind.in_([str(k) for k in ENERGY_KINDS]),
            t.at_us >= months[0].start_us,
            t.at_us < months[-1].end_us,
        )
        .group_by(month, t.kind)
    )
    return [(int(i), str(kind), int(g or 0)) for i, kind, g in conn.execute(query)]

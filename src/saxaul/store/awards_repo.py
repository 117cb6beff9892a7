"""One award as it was scored, read for the ball minted from it (a ball's id is its award's id).

Every function runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from saxaul.store.tables import BIGINT_MAX, awards, balls
from saxaul.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class AwardRow:
    """What scoring recorded for one award: its pack, factors, totals and local day."""

    id: str
    user_id: str
    behaviour: str
    day: int
    """The local day as a proleptic Gregorian ordinal (``date.fromordinal``)."""
    pack_id: str
    pack_version: str
    factor_ids: str
    """The factors' ids joined by ``scoring.table.FACTOR_IDS_SEPARATOR``."""
    avoided_mg: int
    energy_g: int
    events_counted: int


def award_of_ball(conn: UnitOfWork, owner: str, ball_id: str) -> AwardRow | None:
    """The award ``owner``'s ball ``ball_id`` was minted from; ``None`` if they have no such
    ball (another participant's ball included, so the answer does not tell it exists)."""
    if not (ball_id.isascii() and ball_id.isdigit()) or int(ball_id) > BIGINT_MAX:
        return None  # no award has such an id, and the column could not compare it
    minted = select(balls.c.id).where(balls.c.id == ball_id, balls.c.owner == owner).exists()
    row = conn.execute(
        select(awards).where(awards.c.id == int(ball_id), awards.c.user_id == owner, minted)
    ).one_or_none()
    return None if row is None else _award_row(row)


def _award_row(row: Any) -> AwardRow:
    return AwardRow(
        id=str(row.id),
        user_id=row.user_id,
        behaviour=row.behaviour,
        day=row.day,
        pack_id=row.pack_id,
        pack_version=row.pack_version,
        factor_ids=row.factor_ids,
        avoided_mg=row.avoided_mg,
        energy_g=row.energy_g,
        events_counted=row.events_counted,
    )


def awards_of_balls(conn: UnitOfWork, owner: str) -> list[AwardRow]:
    """Every award ``owner``'s balls were minted from, oldest first.

    Why through the balls: ``balls.owner`` is indexed and ``awards.user_id`` is not (the
    awards table is written in bulk by every import), so this reads a participant's few
    hundred or thousand awards by primary key instead of scanning them all.
    """
    ids = conn.execute(select(balls.c.id).where(balls.c.owner == owner)).scalars().all()
    numbers = sorted(int(i) for i in ids if i.isascii() and i.isdigit() and int(i) <= BIGINT_MAX)
    if not numbers:
        return []
    rows = conn.execute(
        select(awards)
        .where(awards.c.id.in_(numbers), awards.c.user_id == owner)
        .order_by(awards.c.id)
    )
    return [_award_row(row) for row in rows]

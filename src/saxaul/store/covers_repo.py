"""Protection covers in the database: written by the game, read by steals and forest views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from sqlalchemy import func, insert, select

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.protection import Cover
from saxaul.store import setwise
from saxaul.store.tables import covers
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


def covered_until(
    conn: UnitOfWork, users: Collection[str], now: dt.datetime
) -> dict[str, dt.datetime]:
    """The end of each user's cover still running at ``now``."""
    if not users:
        return {}
    rows = conn.execute(
        select(covers.c.user_id, func.max(covers.c.ends_at_us))
        .where(setwise.any_of(conn, covers.c.user_id, users), covers.c.ends_at_us > to_us(now))
        .group_by(covers.c.user_id)
    )
    return {row[0]: from_us(row[1]) for row in rows}


def save_covers(conn: WriteUnitOfWork, new_covers: Iterable[Cover]) -> None:
    """Record new protection covers."""
    rows = [
        {
            "user_id": cover.user_id,
            "starts_at_us": to_us(cover.starts_at),
            "ends_at_us": to_us(cover.ends_at),
            "hours": cover.hours,
        }
        for cover in new_covers
    ]
    if rows:
        conn.execute(insert(covers), rows)

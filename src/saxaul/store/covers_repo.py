"""Protection covers in the database: written by the game, read by steals and forest views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.protection import Cover
from saxaul.store import driver
from saxaul.store.driver import Read, Sql
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

_COVERED = Sql.of(
    "SELECT user_id, max(ends_at_us) FROM covers WHERE user_id {any} AND ends_at_us > {p} "
    "GROUP BY user_id"
)
_SAVE = Sql.insert(
    "covers",
    [
        ("user_id", "text"),
        ("starts_at_us", "bigint"),
        ("ends_at_us", "bigint"),
        ("hours", "bigint"),
    ],
)


def covered_until(
    conn: UnitOfWork, users: Collection[str], now: dt.datetime
) -> dict[str, dt.datetime]:
    """The end of each user's cover still running at ``now``."""
    return driver.read(conn, covered_read(users, now))


def covered_read(users: Collection[str], now: dt.datetime) -> Read[dict[str, dt.datetime]]:
    """``covered_until`` as a ``Read``, to be sent with others (``driver.read_all``)."""
    if not users:
        return Read(None, (), lambda _: {})
    return Read(
        _COVERED,
        (sorted(users), to_us(now)),
        lambda found: {user: from_us(ends_us) for user, ends_us in found},
    )


def save_covers(conn: WriteUnitOfWork, new_covers: Iterable[Cover]) -> None:
    """Record new protection covers."""
    saved = list(new_covers)
    driver.execute_columns(
        conn,
        _SAVE,
        [
            [c.user_id for c in saved],
            [to_us(c.starts_at) for c in saved],
            [to_us(c.ends_at) for c in saved],
            [c.hours for c in saved],
        ],
    )

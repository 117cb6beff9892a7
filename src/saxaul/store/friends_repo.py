"""What the friends use cases read and write: the ``friendships`` table, one row per pair.

Every function runs in the caller's unit of work (``store.uow``) and takes the two
users in any order: ``domain.friends.pair`` turns them into the stored ``(user_low, user_high)``
key. Writes that may race another request (two people inviting each other at the same moment)
are single statements whose result says whether they took effect, so the service re-reads
and decides again instead of failing on a duplicate key.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    case,
    delete,
    or_,
    select,
    union_all,
    update,
)

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.friends import Friendship, FriendshipStatus, pair
from saxaul.store import driver
from saxaul.store.conflicts import insert_on_conflict
from saxaul.store.driver import Read, Sql
from saxaul.store.tables import friendships
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

_ACCEPTED = FriendshipStatus.ACCEPTED.value
_PENDING = FriendshipStatus.PENDING.value


def _friendship(row: Row[Any]) -> Friendship:
    return Friendship(
        user_low=row.user_low,
        user_high=row.user_high,
        inviter=row.inviter,
        status=FriendshipStatus(row.status),
        invited_at=from_us(row.invited_at_us),
        accepted_at=None if row.accepted_at_us is None else from_us(row.accepted_at_us),
    )


def _is_pair(a: str, b: str) -> ColumnElement[bool]:
    low, high = pair(a, b)
    return and_(friendships.c.user_low == low, friendships.c.user_high == high)


def get_pair(conn: UnitOfWork, a: str, b: str) -> Friendship | None:
    """The pair's row (pending or accepted), or ``None`` when the two have no link."""
    row = conn.execute(select(friendships).where(_is_pair(a, b))).first()
    return None if row is None else _friendship(row)


def insert_invite(conn: WriteUnitOfWork, inviter: str, invitee: str, at: dt.datetime) -> bool:
    """Store a pending invitation; ``False`` when the pair already has a row (left untouched)."""
    low, high = pair(inviter, invitee)
    statement = (
        insert_on_conflict(conn, friendships)
        .values(
            user_low=low,
            user_high=high,
            inviter=inviter,
            status=_PENDING,
            invited_at_us=to_us(at),
        )
        .on_conflict_do_nothing(index_elements=["user_low", "user_high"])
        .returning(friendships.c.inviter)
    )
    # RETURNING, not rowcount: through psycopg this INSERT … ON CONFLICT reports rowcount -1.
    return conn.execute(statement).first() is not None


def accept(conn: WriteUnitOfWork, invitee: str, inviter: str, at: dt.datetime) -> bool:
    """Accept ``inviter``'s pending invitation to ``invitee``; ``False`` when there is none."""
    result = conn.execute(
        update(friendships)
        .where(
            _is_pair(invitee, inviter),
            friendships.c.inviter == inviter,
            friendships.c.status == _PENDING,
        )
        .values(status=_ACCEPTED, accepted_at_us=to_us(at))
    )
    return result.rowcount == 1


def delete_pair(conn: WriteUnitOfWork, a: str, b: str) -> bool:
    """Remove the pair's row, whatever its status; ``False`` when there was none."""
    return conn.execute(delete(friendships).where(_is_pair(a, b))).rowcount == 1


def list_for(
    conn: UnitOfWork, user: str, *, limit: int, after_id: str | None = None
) -> list[Friendship]:
    """The rows ``user`` is in (friends, invitations to them and from them), by the other
    participant's id: at most ``limit``, after the other ``after_id``."""
    other = case(
        (friendships.c.user_low == user, friendships.c.user_high), else_=friendships.c.user_low
    )
    query = (
        select(friendships)
        .where(or_(friendships.c.user_low == user, friendships.c.user_high == user))
        .order_by(other)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(other > after_id)
    rows = conn.execute(query)
    return [_friendship(row) for row in rows]


_ACCEPTED_PAIRS = Sql(
    "SELECT f.user_low, f.user_high FROM jsonb_array_elements(CAST(%s AS JSONB)) AS p(v) "
    "JOIN friendships AS f ON f.user_low = p.v ->> 0 AND f.user_high = p.v ->> 1 "
    f"WHERE f.status = '{_ACCEPTED}'",
    "SELECT f.user_low, f.user_high FROM json_each(?) AS p "
    "JOIN friendships AS f ON f.user_low = p.value ->> 0 AND f.user_high = p.value ->> 1 "
    f"WHERE f.status = '{_ACCEPTED}'",
)
"""The pairs come as one JSON document ``[[low, high], …]``: one parameter however many."""


def accepted_pairs(conn: UnitOfWork, pairs: Iterable[tuple[str, str]]) -> set[frozenset[str]]:
    """Which of ``pairs`` are friends, each answered as ``frozenset({a, b})``, in one query.

    Example: ``accepted_pairs(conn, [("u2", "u1"), ("u1", "u3")]) == {frozenset({"u1", "u2"})}``
    when only u1 and u2 are friends. A pair of a user with themself is never friends.
    """
    return driver.read(conn, pairs_read(pairs))


def pairs_read(pairs: Iterable[tuple[str, str]]) -> Read[set[frozenset[str]]]:
    """``accepted_pairs`` as a ``Read``, to be sent with others (``driver.read_all``)."""
    keys = sorted({pair(a, b) for a, b in pairs if a != b})
    if not keys:
        return Read(None, (), lambda _: set())
    return Read(
        _ACCEPTED_PAIRS, (json.dumps(keys),), lambda found: {frozenset(row) for row in found}
    )


def friends_of(conn: UnitOfWork, user: str) -> list[str]:
    """The user ids ``user`` is friends with (accepted only), sorted."""
    accepted = friendships.c.status == _ACCEPTED
    either_side = union_all(
        select(friendships.c.user_high.label("friend")).where(
            friendships.c.user_low == user, accepted
        ),
        select(friendships.c.user_low.label("friend")).where(
            friendships.c.user_high == user, accepted
        ),
    )
    return sorted(conn.execute(either_side).scalars())

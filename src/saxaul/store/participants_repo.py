"""What the participant use cases ask of the ``participants`` table outside bulk imports.

Every function runs in the caller's unit of work (``store.uow``); enrolment itself is a bulk
upsert (``ingest_repo.upsert_participants``).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update

from saxaul.store.tables import participants
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

IN_CHUNK = 5_000
"""Ids per ``IN (…)`` list: under SQLite's bound-parameter limit, not a business number."""


def is_enrolled(conn: UnitOfWork, user_id: str) -> bool:
    """Whether ``user_id`` is an enrolled participant (withdrawn or not)."""
    found = conn.execute(
        select(participants.c.user_id).where(participants.c.user_id == user_id)
    ).first()
    return found is not None


def enrolled_among(conn: UnitOfWork, user_ids: Collection[str]) -> set[str]:
    """Which of ``user_ids`` are enrolled participants, in a few queries however many."""
    ids, found = sorted(set(user_ids)), set[str]()
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        found.update(
            conn.execute(
                select(participants.c.user_id).where(participants.c.user_id.in_(chunk))
            ).scalars()
        )
    return found


def withdraw(conn: WriteUnitOfWork, user_id: str, at_us: int) -> bool:
    """Record ``user_id``'s withdrawal at ``at_us``; ``False`` when nobody with active consent
    has that id (unknown, or withdrawn already)."""
    result = conn.execute(
        update(participants)
        .where(participants.c.user_id == user_id, participants.c.withdrawn_at_us.is_(None))
        .values(withdrawn_at_us=at_us)
    )
    return result.rowcount != 0

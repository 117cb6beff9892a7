"""What the participant use cases ask of the ``participants`` table outside bulk imports.

Every function runs in the caller's unit of work (``store.uow``); enrolment itself is a bulk
upsert (``ingest_repo.upsert_participants``).
"""

from __future__ import annotations

from sqlalchemy import select, update

from saxaul.store.tables import participants
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


def is_enrolled(conn: UnitOfWork, user_id: str) -> bool:
    """Whether ``user_id`` is an enrolled participant (withdrawn or not); an erased one is
    not: nobody may befriend them, sign them in or bring them a statement."""
    found = conn.execute(
        select(participants.c.user_id).where(
            participants.c.user_id == user_id, participants.c.erased_at_us.is_(None)
        )
    ).first()
    return found is not None


def withdraw(conn: WriteUnitOfWork, user_id: str, at_us: int) -> bool:
    """Record ``user_id``'s withdrawal at ``at_us``; ``False`` when nobody with active consent
    has that id (unknown, or withdrawn already)."""
    result = conn.execute(
        update(participants)
        .where(participants.c.user_id == user_id, participants.c.withdrawn_at_us.is_(None))
        .values(withdrawn_at_us=at_us)
    )
    return result.rowcount != 0

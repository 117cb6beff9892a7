"""What the participant use cases ask of the ``participants`` table outside bulk imports.

Every function runs in the caller's unit of work (``store.uow``); enrolment itself is a bulk
upsert (``ingest_repo.upsert_participants``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from saxaul.store.tables import demographics, participants
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """One participant's enrolment, consent and demographics, as stored."""

    user_id: str
    enrolled_at_us: int
    consent_scopes: str
    consent_at_us: int | None
    withdrawn_at_us: int | None
    gender: str | None
    birth_year: int | None
    province: str | None


def participant(conn: UnitOfWork, user_id: str) -> ParticipantRow | None:
    """``user_id``'s row with their demographics, if they are enrolled."""
    p, d = participants.c, demographics.c
    row = (
        conn.execute(
            select(
                p.user_id,
                p.enrolled_at_us,
                p.consent_scopes,
                p.consent_at_us,
                p.withdrawn_at_us,
                d.gender,
                d.birth_year,
                d.province,
            )
            .select_from(participants.outerjoin(demographics, d.user_id == p.user_id))
            .where(p.user_id == user_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else ParticipantRow(**row)


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

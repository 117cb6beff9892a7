"""What a personal carbon statement reads about one participant, and the statements imported.

Why its own reads: a statement is everything held about one person — enrolment and consent,
demographics, whether they sign in with a password, every ball they were minted — read in one
snapshot for one participant, by indexed keys (``participants`` and ``demographics`` by primary
key, ``balls`` by owner). The ledger history and awards come from their own repos.

Imported statements are kept verbatim (``imported_statements``); re-importing the same file is
idempotent (one row per participant and file hash).

Example: ``with rt.db.reading() as conn: held(conn, "u1")`` → ``Held(user_id="u1", …)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from saxaul.store.conflicts import insert_on_conflict
from saxaul.store.tables import (
    balls,
    demographics,
    imported_statements,
    participant_credentials,
    participants,
)
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class Held:
    """A participant as held: enrolment, consent, demographics, sign-in (never its hash)."""

    user_id: str
    enrolled_at_us: int
    consent_scopes: tuple[str, ...]
    consent_at_us: int | None
    withdrawn_at_us: int | None
    gender: str | None
    birth_year: int | None
    province: str | None
    password_set_at_us: int | None
    """When their sign-in password was last set; ``None``: they have no password here."""


@dataclass(frozen=True, slots=True)
class BallRow:
    """A ball as minted: its award's grams and times (what became of it is ledger history)."""

    id: str
    behaviour: str
    amount_g: int
    created_at_us: int
    ripens_at_us: int
    expires_at_us: int


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """An imported statement: the facts the list shows and the signed file, verbatim."""

    id: int
    user_id: str
    sha256: str
    issuer_key_id: str
    origin_user_id: str
    period_from_us: int
    period_to_us: int
    generated_at_us: int
    imported_at_us: int
    document: str


def held(conn: UnitOfWork, user: str) -> Held | None:
    """What is held about ``user``, or ``None`` if they are not enrolled."""
    row = conn.execute(
        select(
            participants,
            demographics.c.gender,
            demographics.c.birth_year,
            demographics.c.province,
            participant_credentials.c.updated_at_us.label("password_set_at_us"),
        )
        .outerjoin(demographics, demographics.c.user_id == participants.c.user_id)
        .outerjoin(
            participant_credentials,
            participant_credentials.c.user_id == participants.c.user_id,
        )
        .where(participants.c.user_id == user)
    ).one_or_none()
    if row is None:
        return None
    return Held(
        user_id=row.user_id,
        enrolled_at_us=row.enrolled_at_us,
        consent_scopes=tuple(s for s in row.consent_scopes.split(";") if s),
        consent_at_us=row.consent_at_us,
        withdrawn_at_us=row.withdrawn_at_us,
        gender=row.gender,
        birth_year=row.birth_year,
        province=row.province,
        password_set_at_us=row.password_set_at_us,
    )


def balls_of(conn: UnitOfWork, owner: str) -> list[BallRow]:
    """Every ball ever minted for ``owner``, live or not, oldest first."""
    rows = conn.execute(
        select(balls).where(balls.c.owner == owner).order_by(balls.c.created_at_us, balls.c.id)
    )
    return [
        BallRow(
            row.id,
            row.behaviour,
            row.amount_g,
            row.created_at_us,
            row.ripens_at_us,
            row.expires_at_us,
        )
        for row in rows
    ]


def insert_imported(conn: WriteUnitOfWork, row: ImportedRow) -> tuple[ImportedRow, bool]:
    """Keep ``row`` (its ``id`` is ignored) unless this participant has the same file already:
    the stored row, and whether it is new."""
    values = {name: getattr(row, name) for name in ImportedRow.__dataclass_fields__ if name != "id"}
    inserted = conn.execute(
        insert_on_conflict(conn, imported_statements)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["user_id", "sha256"])
        .returning(imported_statements.c.id)
    ).first()
    found = conn.execute(
        select(imported_statements).where(
            imported_statements.c.user_id == row.user_id,
            imported_statements.c.sha256 == row.sha256,
        )
    ).one()
    return _imported(found), inserted is not None


def imported(conn: UnitOfWork, user: str, limit: int, after_id: int) -> list[ImportedRow]:
    """``user``'s imported statements after ``after_id``, oldest first, at most ``limit``."""
    rows = conn.execute(
        select(imported_statements)
        .where(imported_statements.c.user_id == user, imported_statements.c.id > after_id)
        .order_by(imported_statements.c.id)
        .limit(limit)
    )
    return [_imported(row) for row in rows]


def imported_one(conn: UnitOfWork, user: str, statement_id: int) -> ImportedRow | None:
    """One of ``user``'s imported statements; ``None`` if it is not theirs (or not there)."""
    row = conn.execute(
        select(imported_statements).where(
            imported_statements.c.id == statement_id, imported_statements.c.user_id == user
        )
    ).one_or_none()
    return None if row is None else _imported(row)


def _imported(row: Any) -> ImportedRow:
    return ImportedRow(**{name: getattr(row, name) for name in ImportedRow.__dataclass_fields__})

"""The operator audit log: append an entry, read a page. Nothing here updates or deletes.

Why only these two: the log is evidence of who looked at whom, so the application has no way to
change it (and the table's triggers refuse UPDATE and DELETE from anyone else, migration 0010).
Runs in the caller's unit of work (``store.uow``): an entry commits or rolls back with its act.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, insert, select

from saxaul.store.tables import operator_audit
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One operator act on one participant, as stored."""

    id: int
    at_us: int
    key_id: int
    key_name: str
    role: str
    permission: str
    method: str
    route: str
    user_id: str
    outcome: str


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to append (the store numbers it)."""

    at_us: int
    key_id: int
    key_name: str
    role: str
    permission: str
    method: str
    route: str
    user_id: str
    outcome: str


def append(conn: WriteUnitOfWork, entries: list[NewEntry]) -> None:
    """Append ``entries`` in the caller's transaction."""
    if entries:
        conn.execute(insert(operator_audit), [asdict(entry) for entry in entries])


def page(
    conn: UnitOfWork,
    *,
    user_id: str | None,
    since_us: int | None,
    until_us: int | None,
    limit: int,
    after_id: int,
) -> tuple[list[AuditEntry], int]:
    """Up to ``limit`` entries after ``after_id`` (oldest first) and how many match in all;
    ``since_us`` inclusive, ``until_us`` exclusive."""
    c = operator_audit.c
    matching = []
    if user_id is not None:
        matching.append(c.user_id == user_id)
    if since_us is not None:
        matching.append(c.at_us >= since_us)
    if until_us is not None:
        matching.append(c.at_us < until_us)
    rows = conn.execute(
        select(operator_audit).where(c.id > after_id, *matching).order_by(c.id).limit(limit)
    ).mappings()
    total = conn.execute(
        select(func.count()).select_from(operator_audit).where(*matching)
    ).scalar_one()
    return [AuditEntry(**row) for row in rows], total

"""Reading the quarantine: rows refused at the door, with their import, line and reason.

Rows are written in bulk with the chunk that refused them (``ingest_repo.quarantine_rows``);
this is the operator's view of them. Runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from saxaul.store.tables import imports, quarantine
from saxaul.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    """One refused row: which import, where in it, why, and the raw text."""

    id: int
    import_id: int
    import_name: str
    location: str
    line: int
    code: str
    field: str | None
    reason: str
    raw: str


def page(
    conn: UnitOfWork, import_id: int | None, code: str | None, limit: int, after_id: int
) -> tuple[list[QuarantinedRow], int]:
    """Up to ``limit`` rows after ``after_id`` (oldest first) and how many match in all."""
    conditions = [quarantine.c.id > after_id]
    count_conditions = []
    if import_id is not None:
        conditions.append(quarantine.c.import_id == import_id)
        count_conditions.append(quarantine.c.import_id == import_id)
    if code is not None:
        conditions.append(quarantine.c.code == code)
        count_conditions.append(quarantine.c.code == code)
    query = (
        select(quarantine, imports.c.name)
        .join(imports, imports.c.id == quarantine.c.import_id)
        .where(*conditions)
        .order_by(quarantine.c.id)
        .limit(limit)
    )
    rows = conn.execute(query).mappings().all()
    total = conn.execute(
        select(func.count()).select_from(quarantine).where(*count_conditions)
    ).scalar_one()
    return [
        QuarantinedRow(
            id=r["id"],
            import_id=r["import_id"],
            import_name=r["name"],
            location=r["location"],
            line=r["line"],
            code=r["code"],
            field=r["field"],
            reason=r["reason"],
            raw=r["raw"],
        )
        for r in rows
    ], int(total)

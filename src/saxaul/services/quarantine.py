"""Rows refused at the door, kept with their line and reason until someone looks at them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from saxaul.services.runtime import Runtime
from saxaul.store.tables import INTEGER_MAX, imports, quarantine

MAX_PAGE = 1_000
MAX_ID = INTEGER_MAX
"""Largest quarantine row id and import id: both are ``Integer`` columns."""


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


def list_quarantine(
    rt: Runtime,
    *,
    import_id: int | None = None,
    code: str | None = None,
    limit: int = 100,
    after_id: int = 0,
) -> tuple[list[QuarantinedRow], int]:
    """A page of quarantined rows (oldest first, keyset-paginated) and the matching total."""
    limit = max(1, min(limit, MAX_PAGE))
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
    with rt.engine.connect() as conn:
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

"""Rows refused at the door, kept with their line and reason until someone looks at them."""

from __future__ import annotations

from saxaul.services.runtime import Runtime
from saxaul.store import quarantine_repo
from saxaul.store.quarantine_repo import QuarantinedRow
from saxaul.store.tables import INTEGER_MAX

MAX_PAGE = 1_000
MAX_ID = INTEGER_MAX
"""Largest quarantine row id and import id: both are ``Integer`` columns."""


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
    with rt.db.reading() as conn:
        return quarantine_repo.page(conn, import_id, code, limit, after_id)

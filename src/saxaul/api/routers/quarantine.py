"""``GET /v1/quarantine``: the rows refused at the door, a page at a time (keyset pagination).

Why keyset (``after_id``) rather than offsets: the quarantine only grows, so a page boundary
never shifts under a reader walking it while imports keep adding rows.

Example: ``GET /v1/quarantine?import_id=7&limit=2`` → two rows, ``total`` for import 7 and
``next_after_id`` to pass as ``after_id`` for the next page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.quarantine import QuarantinedRowOut, QuarantinePage
from saxaul.domain.operators import Permission
from saxaul.services.quarantine import MAX_ID, MAX_PAGE, list_quarantine

router = APIRouter(prefix="/v1/quarantine", tags=["quarantine"])


@router.get(
    "",
    summary="List quarantined rows",
    response_model=QuarantinePage,
    dependencies=[require_operator(Permission.QUARANTINE_READ)],
    responses=problem_responses("unauthorised", "invalid_request"),
)
def get_quarantine(
    rt: RuntimeDep,
    import_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Only rows of this import (see `import_id`)."),
    ] = None,
    code: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z][a-z0-9_]*$",
            max_length=64,
            description="Only rows refused with this reason code, e.g. `invalid_timestamp`.",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description=f"Rows per page, at most {MAX_PAGE}.")
    ] = 100,
    after_id: Annotated[
        int,
        Query(ge=0, le=MAX_ID, description="Start after this row id (`next_after_id` of a page)."),
    ] = 0,
) -> QuarantinePage:
    """Quarantined rows, oldest first, optionally of one import or one reason code."""
    rows, total = list_quarantine(
        rt, import_id=import_id, code=code, limit=limit, after_id=after_id
    )
    return QuarantinePage(
        items=[QuarantinedRowOut.model_validate(row) for row in rows],
        total=total,
        next_after_id=rows[-1].id if len(rows) == limit else None,
    )

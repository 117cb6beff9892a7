"""The operator key's own view (``GET /v1/operator/me``) and the audit log of operator access
to participants' data (``GET /v1/operator/audit``, admin only).

Why ``/me``: the console hides what the key's role may not do rather than offer buttons that
answer 403, and a script can check its key before a long run.

Why the audit log is read-only here and everywhere: it is evidence of who looked at whom, so no
route, command or store function updates or deletes an entry (``services.operator_audit``).

Example: ``GET /v1/operator/audit?user_id=u1&from=2026-11-01T00:00:00Z`` → ``{"items": [{"key_name":
"helpdesk-1", "role": "support", "permission": "participants.read", "route":
"/v1/participants/{user_id}", "user_id": "u1", "outcome": "ok", …}], "total": 1,
"next_after_id": null}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.paging import DEFAULT_PAGE, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.operator import AuditEntryOut, AuditPage, Instant, OperatorMeOut
from saxaul.domain.operators import ROLE_PERMISSIONS, Permission
from saxaul.domain.paging import next_after_id
from saxaul.ingest.columns import MAX_CHARS
from saxaul.services.operator_audit import MAX_ID, OperatorAct, list_entries

router = APIRouter(prefix="/v1/operator", tags=["operator"])


@router.get(
    "/me",
    summary="The presented operator key: name, role, permissions",
    response_model=OperatorMeOut,
    responses=problem_responses("unauthorised"),
)
def get_me(
    operator: Annotated[OperatorAct, require_operator(Permission.SELF_READ)],
) -> OperatorMeOut:
    """What the key may do, from its role; every role may ask."""
    return OperatorMeOut(
        name=operator.key_name,
        role=operator.role,
        permissions=sorted(ROLE_PERMISSIONS[operator.role]),
    )


@router.get(
    "/audit",
    summary="The audit log of operator access to participants' data (admin)",
    response_model=AuditPage,
    dependencies=[require_operator(Permission.AUDIT_READ)],
    responses=problem_responses("unauthorised", "invalid_request"),
)
def get_audit(
    rt: RuntimeDep,
    user_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CHARS["user_id"],
            description="Only entries about this participant.",
        ),
    ] = None,
    since: Annotated[
        Instant | None,
        Query(alias="from", description="Only entries at or after this instant (with offset)."),
    ] = None,
    until: Annotated[
        Instant | None,
        Query(alias="to", description="Only entries before this instant (with offset)."),
    ] = None,
    limit: Limit = DEFAULT_PAGE,
    after_id: Annotated[
        int,
        Query(ge=0, le=MAX_ID, description="Start after this entry id (`next_after_id`)."),
    ] = 0,
) -> AuditPage:
    """Entries oldest first: who (key, role), what (permission, method, route template), about
    whom (pseudonymous id), when and with what outcome. Nothing can change or delete them."""
    entries, total = list_entries(
        rt, user_id=user_id, since=since, until=until, limit=limit, after_id=after_id
    )
    return AuditPage(
        items=[AuditEntryOut.of(e) for e in entries],
        total=total,
        next_after_id=next_after_id([entry.id for entry in entries], limit),
    )

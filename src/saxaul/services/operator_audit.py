"""The operator audit log's one home: who, with which key and role, read or changed whose data.

Why written here and not by the HTTP layer: the entry must commit with the act it records (an
opt-out and its entry are one transaction; a read and its entry are too, so no read reaches a
caller unrecorded), and only the use case knows which participants it touched. The API hands
the use case an ``OperatorAct`` (the key, its role, the permission, the method and the route
template); the use case calls ``record`` inside its unit of work.

What an entry never holds: the URL as requested (its query could carry anything), a header, a
token or a secret; the route template and the participant's pseudonymous id say enough.

Example: a ``support`` key reading ``GET /v1/participants/u1`` leaves ``{"key_name":
"helpdesk-1", "role": "support", "permission": "participants.read", "method": "GET",
"route": "/v1/participants/{user_id}", "user_id": "u1", "outcome": "ok"}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from saxaul.domain.clock import to_us
from saxaul.domain.operators import OperatorRole, Permission
from saxaul.domain.paging import MAX_PAGE
from saxaul.services.runtime import Runtime
from saxaul.store import operator_audit_repo
from saxaul.store.operator_audit_repo import AuditEntry, NewEntry
from saxaul.store.tables import BIGINT_MAX
from saxaul.store.uow import WriteUnitOfWork

OK = "ok"
"""The outcome of an act that was done; a refused one records its refusal code."""
MAX_ID = BIGINT_MAX


@dataclass(frozen=True, slots=True)
class OperatorAct:
    """Who acts, and through what: everything an audit entry says but the participant."""

    key_id: int
    key_name: str
    role: OperatorRole
    permission: Permission
    method: str
    route: str
    """The route's template, e.g. ``/v1/participants/{user_id}``."""


def record(
    conn: WriteUnitOfWork, act: OperatorAct, users: Iterable[str], outcome: str, at_us: int
) -> None:
    """Append one entry per participant ``act`` concerned, in the caller's transaction."""
    operator_audit_repo.append(
        conn,
        [
            NewEntry(
                at_us=at_us,
                key_id=act.key_id,
                key_name=act.key_name,
                role=act.role.value,
                permission=act.permission.value,
                method=act.method,
                route=act.route,
                user_id=user_id,
                outcome=outcome,
            )
            for user_id in users
        ],
    )


def record_refusal(rt: Runtime, act: OperatorAct, user_id: str, code: str) -> None:
    """Record that ``act`` on ``user_id`` was refused before it started (e.g. by its role)."""
    at_us = to_us(rt.clock.now())
    rt.db.write(lambda conn: record(conn, act, [user_id], code, at_us))


def list_entries(
    rt: Runtime,
    *,
    user_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
    after_id: int = 0,
) -> tuple[list[AuditEntry], int]:
    """A page of entries (oldest first, keyset-paginated) and how many match in all; ``since``
    inclusive, ``until`` exclusive."""
    limit = max(1, min(limit, MAX_PAGE))
    with rt.db.reading() as conn:
        return operator_audit_repo.page(
            conn,
            user_id=user_id,
            since_us=None if since is None else to_us(since),
            until_us=None if until is None else to_us(until),
            limit=limit,
            after_id=after_id,
        )

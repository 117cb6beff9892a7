"""Shapes of the operator's own routes: who am I (``/v1/operator/me``), one participant's
record (``/v1/participants/{user_id}``) and the audit log (``/v1/operator/audit``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from saxaul.domain.clock import from_us
from saxaul.domain.operators import OperatorRole, Permission
from saxaul.store.operator_audit_repo import AuditEntry

RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: object) -> object:
    """Only an RFC 3339 date-time with its offset, as the document's ``date-time`` says:
    pydantic alone would also read ``0`` as a Unix time and ``2026-11-01`` as midnight."""
    if isinstance(value, str) and not RFC3339.fullmatch(value):
        raise ValueError("give an RFC 3339 date-time with its offset, e.g. 2026-11-01T00:00:00Z")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
"""A query's instant, e.g. ``from`` of ``GET /v1/operator/audit``."""


class OperatorMeOut(BaseModel):
    """The presented key: its name, role, and what that role may do."""

    name: str = Field(description="The key's name, as created with `saxaul apikey create`.")
    role: OperatorRole = Field(description="admin, operations, analyst or support.")
    permissions: list[Permission] = Field(
        description="Every permission the role holds, sorted; a route needing another one "
        "answers 403 `forbidden_role`."
    )


class ParticipantRecordOut(BaseModel):
    """One participant as support sees them; every read of it is audited."""

    model_config = ConfigDict(from_attributes=True)

    user_id: str = Field(description="The participant's pseudonymous id.")
    enrolled_at: dt.datetime
    consent_scopes: list[str] = Field(description="What they consented to, e.g. `scoring`.")
    consent_at: dt.datetime | None
    withdrawn_at: dt.datetime | None = Field(description="When they opted out, if they did.")
    gender: str | None
    birth_year: int | None
    province: str | None
    balance_g: int = Field(description="Green energy they hold now, in grams.")


class AuditEntryOut(BaseModel):
    """One operator act on one participant."""

    id: int = Field(description="Entry id; pass the last one as `after_id` to page on.")
    at: dt.datetime = Field(description="When the act happened (UTC).")
    key_id: int
    key_name: str
    role: str = Field(description="The key's role when it acted.")
    permission: str = Field(description="What the act needed, e.g. `participants.read`.")
    method: str
    route: str = Field(description="The route template, e.g. `/v1/participants/{user_id}`.")
    user_id: str = Field(description="The participant concerned (pseudonymous id).")
    outcome: str = Field(description="`ok`, or the refusal's code (`not_found`, …).")

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        """The answer's shape of a stored entry."""
        return cls(
            id=entry.id,
            at=from_us(entry.at_us),
            key_id=entry.key_id,
            key_name=entry.key_name,
            role=entry.role,
            permission=entry.permission,
            method=entry.method,
            route=entry.route,
            user_id=entry.user_id,
            outcome=entry.outcome,
        )


class AuditPage(BaseModel):
    """A page of audit entries, oldest first."""

    items: list[AuditEntryOut] = Field(description="The entries on this page.")
    total: int = Field(description="Entries matching the filters, on every page.")
    next_after_id: int | None = Field(
        description="Pass as `after_id` for the next page; null when this page is the last."
    )

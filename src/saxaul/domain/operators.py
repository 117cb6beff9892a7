"""Operator roles: what each kind of operator key may do, and which acts touch personal data.

Why roles: a key that imports events, one that draws the dashboard and one that helps a
participant on the phone need very different powers, and a leaked key should give away only
what it was made for. Every operator route names the one ``Permission`` it needs
(``api.deps.require_operator``); a key may call it when its role's row of ``ROLE_PERMISSIONS``
holds that permission, and is refused 403 ``forbidden_role`` otherwise.

Why the table is this module and not a data file: routes name permissions in code, so a typo
must fail at import (and in mypy), not when a request arrives; the table is small, changes
with the routes it guards, and is versioned with them. This is its one home: the API, the
CLI, the console (through ``GET /v1/operator/me``) and the tests all read it from here.

Why ``PERSONAL_DATA``: reading or changing one participant's data is an act an operator must
answer for (PIPL art. 54, GDPR art. 5(2) accountability), so every use of these permissions
leaves an entry in the operator audit log (``services.operator_audit``); aggregate reads do not.

Example: an ``analyst`` key may ``reports.read`` (the impact report, the dashboard) but asking
``GET /v1/participants/u1`` needs ``participants.read``, which only ``support`` and ``admin``
hold, so it is refused naming that permission.
"""

from __future__ import annotations

from enum import StrEnum

from saxaul.domain.errors import Forbidden, InputRejected


class OperatorRole(StrEnum):
    """What an operator key is for."""

    ADMIN = "admin"
    """Everything: partners' approval, scenario (methodology) approval, the audit log."""
    OPERATIONS = "operations"
    """Running the programme day to day: imports, reversals, quarantine, jobs, tree orders,
    the abuse review queue, and the app backend's participant tokens."""
    ANALYST = "analyst"
    """Aggregates only: the impact report and its share links, the dashboard, the pipeline."""
    SUPPORT = "support"
    """Helping one participant: reading their record, recording their opt-out and carrying out
    their erasure request, audited."""


class Permission(StrEnum):
    """One thing an operator route does; each route needs exactly one."""

    SELF_READ = "self.read"
    REPORTS_READ = "reports.read"
    REPORTS_SHARE = "reports.share"
    METHODOLOGY_READ = "methodology.read"
    EVENTS_IMPORT = "events.import"
    REVERSALS_APPLY = "reversals.apply"
    QUARANTINE_READ = "quarantine.read"
    JOBS_RUN = "jobs.run"
    LEDGER_AUDIT = "ledger.audit"
    METRICS_READ = "metrics.read"
    TREES_ORDER = "trees.order"
    PARTNERS_READ = "partners.read"
    PARTNERS_WRITE = "partners.write"
    PARTNERS_APPROVE = "partners.approve"
    SCENARIOS_APPROVE = "scenarios.approve"
    PARTICIPANTS_READ = "participants.read"
    PARTICIPANTS_CONSENT = "participants.consent"
    PARTICIPANTS_ERASE = "participants.erase"
    PARTICIPANTS_TOKENS = "participants.tokens"
    AUDIT_READ = "audit.read"
    ABUSE_REVIEW = "abuse.review"


_EVERYONE = frozenset({Permission.SELF_READ, Permission.METHODOLOGY_READ})

ROLE_PERMISSIONS: dict[OperatorRole, frozenset[Permission]] = {
    OperatorRole.ADMIN: frozenset(Permission),
    OperatorRole.OPERATIONS: _EVERYONE
    | {
        Permission.REPORTS_READ,
        Permission.EVENTS_IMPORT,
        Permission.REVERSALS_APPLY,
        Permission.QUARANTINE_READ,
        Permission.JOBS_RUN,
        Permission.LEDGER_AUDIT,
        Permission.METRICS_READ,
        Permission.TREES_ORDER,
        Permission.PARTNERS_READ,
        Permission.PARTICIPANTS_TOKENS,
        Permission.ABUSE_REVIEW,
    },
    OperatorRole.ANALYST: _EVERYONE | {Permission.REPORTS_READ, Permission.REPORTS_SHARE},
    OperatorRole.SUPPORT: _EVERYONE
    | {
        Permission.PARTICIPANTS_READ,
        Permission.PARTICIPANTS_CONSENT,
        Permission.PARTICIPANTS_ERASE,
    },
}
"""What each role may do. Only ``admin`` reads the audit log or decides on partners and
scenarios (approving a scenario registers a methodology pack version)."""

PERSONAL_DATA = frozenset(
    {
        Permission.PARTICIPANTS_READ,
        Permission.PARTICIPANTS_CONSENT,
        Permission.PARTICIPANTS_ERASE,
        Permission.PARTICIPANTS_TOKENS,
    }
)
"""Permissions that read or change one participant's personal data: every use is audited.

Bulk intake (``events.import``, ``reversals.apply``) is not here: it is the programme's own
processing of a feed, recorded by its import and reversal rows, not an operator looking at
someone."""


class RoleRefused(Forbidden):
    """A valid operator key whose role lacks the permission a route needs."""

    code = "forbidden_role"


def may(role: OperatorRole, permission: Permission) -> bool:
    """Whether a key of ``role`` may use ``permission``."""
    return permission in ROLE_PERMISSIONS[role]


def holders(permission: Permission) -> list[str]:
    """The roles that hold ``permission``, in the order ``OperatorRole`` lists them."""
    return [role.value for role in OperatorRole if may(role, permission)]


def require(role: OperatorRole, permission: Permission) -> None:
    """Refuse (403 ``forbidden_role``) unless ``role`` holds ``permission``."""
    if may(role, permission):
        return
    allowed = holders(permission)
    raise RoleRefused(
        f"an operator key with role {role.value} may not {permission.value}; ask an admin for "
        f"a key with a role that may ({', '.join(allowed)})",
        permission=permission.value,
        role=role.value,
        roles=allowed,
    )


def parse_role(value: str) -> OperatorRole:
    """A role by name; an unknown one is refused (422 ``unknown_role``) with the known ones."""
    try:
        return OperatorRole(value)
    except ValueError:
        known = [r.value for r in OperatorRole]
        raise InputRejected(
            f"unknown operator role {value!r}; known: {', '.join(known)}",
            code="unknown_role",
            field="role",
            role=value,
            roles=known,
        ) from None

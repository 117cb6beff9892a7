"""Partners of the open platform: who they are, what their members may do, what a key may do.

Why scopes on keys and roles on members: an NGO's field app should post evidence and nothing
else, and a business's analyst should read its scenario's impact without being able to change
the scenario. A key carries the scopes it was created with, never more than the role of the
member it acts for allows, so a leaked key can do only what it was made for.

Why two modes: every partner can try the platform at once with sandbox keys, whose projects,
orders, evidence, scenarios and webhooks are rows apart from live ones; live keys exist only
after an operator has approved the partner, and only they reach real trees and real energy.

Example: a developer of ``see-foundation`` creates a key with ``{"orders:read",
"evidence:write"}``; asked for ``keys:write`` as well, ``scopes_allowed`` refuses: a developer
cannot mint keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from saxaul.domain.errors import DomainError, Forbidden


class PartnerKind(StrEnum):
    """What a partner brings: planting projects (NGO), green scenarios (business), or it runs
    a programme (operator organisation)."""

    NGO = "ngo"
    BUSINESS = "business"
    OPERATOR = "operator"


class PartnerStatus(StrEnum):
    """Where an application stands; only ``approved`` partners may hold live keys."""

    PENDING = "pending"
    APPROVED = "approved"
    SUSPENDED = "suspended"


class Mode(StrEnum):
    """Which world a key acts in."""

    SANDBOX = "sandbox"
    LIVE = "live"


class Role(StrEnum):
    """A member's role within their partner."""

    OWNER = "owner"
    ADMIN = "admin"
    DEVELOPER = "developer"
    VIEWER = "viewer"


class Scope(StrEnum):
    """One thing a key may do."""

    PROJECTS_READ = "projects:read"
    PROJECTS_WRITE = "projects:write"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    EVIDENCE_WRITE = "evidence:write"
    SCENARIOS_READ = "scenarios:read"
    SCENARIOS_WRITE = "scenarios:write"
    EVENTS_WRITE = "events:write"
    WEBHOOKS_READ = "webhooks:read"
    WEBHOOKS_WRITE = "webhooks:write"
    KEYS_WRITE = "keys:write"
    MEMBERS_WRITE = "members:write"


READ_SCOPES = frozenset(s for s in Scope if s.value.endswith(":read"))
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.OWNER: frozenset(Scope),
    Role.ADMIN: frozenset(Scope) - {Scope.MEMBERS_WRITE},
    Role.DEVELOPER: frozenset(Scope) - {Scope.MEMBERS_WRITE, Scope.KEYS_WRITE},
    Role.VIEWER: READ_SCOPES,
}
"""What a member of each role may grant a key; an owner may grant everything."""


class PartnerRefused(DomainError):
    """A partner action the rules forbid (``code`` says which)."""

    code = "partner_refused"


@dataclass(frozen=True, slots=True)
class PartnerPrincipal:
    """Who a valid partner key acts for, and what it may do.

    Every partner use case takes one and acts on ``partner_id``'s rows in ``mode`` only; a row
    of another partner or the other mode is reported as not found, never as forbidden, so a key
    learns nothing about what it may not see.
    """

    key_id: int
    partner_id: str
    mode: Mode
    scopes: frozenset[Scope]
    kind: PartnerKind
    status: PartnerStatus

    def require(self, scope: Scope) -> None:
        """Refuse (403) unless this key was granted ``scope``."""
        if scope not in self.scopes:
            raise Forbidden(
                f"this key may not {scope.value}; create a key with that scope "
                "(POST /v1/partner/keys) or ask an owner of your organisation",
                scope=scope.value,
            )


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    """Scopes by name; an unknown one is refused with the list of known ones."""
    known = {s.value: s for s in Scope}
    unknown = sorted(set(values) - known.keys())
    if unknown:
        raise PartnerRefused(
            f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            code="unknown_scope",
            field="scopes",
        )
    return frozenset(known[v] for v in values)


def scopes_allowed(role: Role, wanted: frozenset[Scope]) -> frozenset[Scope]:
    """``wanted`` if a member with ``role`` may grant all of it; refused otherwise."""
    beyond = sorted(s.value for s in wanted - ROLE_SCOPES[role])
    if beyond:
        raise Forbidden(
            f"a {role.value} may not grant {', '.join(beyond)}; ask an owner",
            code="scope_not_allowed",
            field="scopes",
        )
    return wanted


def key_scopes_allowed(
    role: Role | None, granting: frozenset[Scope], wanted: frozenset[Scope]
) -> frozenset[Scope]:
    """``wanted`` if both the key's member (``role``; ``None`` for an operator-issued key)
    and the key creating it (``granting``) may grant it all; refused (403) otherwise.

    Why the creating key caps too: a key with ``keys:write`` and little else must not mint
    itself a more powerful sibling.
    """
    if role is not None:
        scopes_allowed(role, wanted)
    beyond = sorted(s.value for s in wanted - granting)
    if beyond:
        raise Forbidden(
            f"this key may not grant {', '.join(beyond)}, which it does not hold itself; "
            "create the key with a key that holds them",
            code="scope_not_allowed",
            field="scopes",
        )
    return wanted


def require_live_allowed(mode: Mode, status: PartnerStatus) -> None:
    """Refuse (403) a live key for a partner an operator has not approved (or has suspended)."""
    if mode is Mode.LIVE and status is not PartnerStatus.APPROVED:
        raise Forbidden(
            f"your organisation is {status.value}: live keys can be created once an operator "
            "has approved it; build against the sandbox meanwhile, and write to the operator "
            "to apply for approval",
            code="partner_not_approved",
            field="mode",
            partner_status=status.value,
        )


def require_owner_left(removed: Role, owners: int) -> None:
    """Refuse (409) removing the last owner: someone must always be able to manage members."""
    if removed is Role.OWNER and owners <= 1:
        raise PartnerRefused(
            "this is the organisation's last owner; add another owner before removing this one",
            code="last_owner",
        )


def scopes_text(scopes: Iterable[Scope]) -> str:
    """Scopes as stored: sorted, ';'-joined."""
    return ";".join(sorted(s.value for s in scopes))

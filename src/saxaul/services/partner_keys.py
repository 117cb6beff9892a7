"""A partner's API keys: create, list, rotate with a grace period, revoke at once.

Why rotation keeps the old key alive for a while: a partner's servers pick a new secret up one
by one; for ``grace_s`` seconds both work, then the old one is refused (``expires_at_us``), and
``replaced_by`` says which key took over. A leaked key is revoked instead, which takes effect on
the very next request (keys are read from the store every time, ``services.partners``).

Why a new key is capped twice: by the role of the member it acts for (an operator-issued key
acts for no member) and by the scopes of the key creating it, so no key can mint a stronger one
(``domain.partners.key_scopes_allowed``).

Example: ``rotate_key(rt, principal, 7, grace_s=86_400)`` → key 8 with key 7's name, mode and
scopes; key 7 works for one more day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict, NotFound
from saxaul.domain.partners import (
    Mode,
    PartnerPrincipal,
    PartnerRefused,
    PartnerStatus,
    Role,
    Scope,
    key_scopes_allowed,
    parse_scopes,
    require_live_allowed,
)
from saxaul.services.partners import IssuedKey, new_key
from saxaul.services.runtime import Runtime
from saxaul.store import partners_repo
from saxaul.store.partners_repo import KeyRecord
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

KeyStatus = Literal["active", "expiring", "expired", "revoked"]
"""Whether a key works now: ``expiring`` is rotated out and in its grace period."""
GRACE_MAX_S = 7 * 86_400
"""The longest a rotated-out key may keep working: long enough to roll a fleet over a week."""


@dataclass(frozen=True, slots=True)
class KeyView:
    """A key as listed: never its secret or hash; ``status`` as of the request."""

    record: KeyRecord
    status: KeyStatus


@dataclass(frozen=True, slots=True)
class Rotated:
    """A rotation: the new key (secret shown once) and when the old one stops working."""

    key: IssuedKey
    old_key_id: int
    old_expires_at_us: int


def key_status(record: KeyRecord, now_us: int) -> KeyStatus:
    """Whether ``record`` works at ``now_us``, and if not, why."""
    if record.revoked_at_us is not None:
        return "revoked"
    if record.expires_at_us is None:
        return "active"
    return "expiring" if record.expires_at_us > now_us else "expired"


def list_keys(
    rt: Runtime, principal: PartnerPrincipal, *, limit: int, after_id: int = 0
) -> list[KeyView]:
    """The keys of the caller's organisation, both modes, revoked and expired ones too, oldest
    first: a page of ``limit`` after ``after_id``."""
    now_us = to_us(rt.clock.now())
    with rt.db.reading() as conn:
        records = partners_repo.keys(conn, principal.partner_id, limit=limit, after_id=after_id)
    return [KeyView(r, key_status(r, now_us)) for r in records]


def create_key(
    rt: Runtime,
    principal: PartnerPrincipal,
    name: str,
    mode: Mode,
    scopes: frozenset[Scope],
    member_id: int | None,
) -> IssuedKey:
    """A new key of the caller's organisation, acting for ``member_id`` (default: the member
    the calling key acts for). Live keys only for an approved organisation (403 otherwise);
    scopes within the member's role and the calling key's own (403 otherwise)."""
    at_us = to_us(rt.clock.now())
    partner_id = principal.partner_id

    def work(conn: WriteUnitOfWork) -> IssuedKey:
        require_live_allowed(mode, _status(conn, partner_id))
        acting = member_id
        if acting is None:
            caller = partners_repo.key(conn, partner_id, principal.key_id)
            acting = None if caller is None else caller.member_id
        role = None
        if acting is not None:
            member = partners_repo.member(conn, partner_id, acting)
            if member is None:
                raise NotFound(f"your organisation has no member {acting}", field="member_id")
            role = Role(member.role)
        key_scopes_allowed(role, principal.scopes, scopes)
        return new_key(conn, partner_id, name, mode, scopes, acting, at_us)

    return rt.db.write(work)


def issue_key(
    rt: Runtime, partner_id: str, name: str, mode: Mode, scopes: frozenset[Scope]
) -> IssuedKey:
    """An operator issues a key to ``partner_id`` (e.g. a catalogue partner with no members
    yet); it acts for no member. Live keys only for an approved partner."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> IssuedKey:
        require_live_allowed(mode, _status(conn, partner_id))
        return new_key(conn, partner_id, name, mode, scopes, None, at_us)

    return rt.db.write(work)


def rotate_key(rt: Runtime, principal: PartnerPrincipal, key_id: int, grace_s: int) -> Rotated:
    """Replace the caller's organisation's key ``key_id`` by a new one with the same name,
    mode, scopes and member; the old key works ``grace_s`` more seconds (0: not at all)."""
    if not 0 <= grace_s <= GRACE_MAX_S:
        raise PartnerRefused(
            f"grace_seconds must be 0 to {GRACE_MAX_S}", code="invalid_grace", field="grace_seconds"
        )
    at_us = to_us(rt.clock.now())
    expires_at_us = at_us + grace_s * 1_000_000
    partner_id = principal.partner_id

    def work(conn: WriteUnitOfWork) -> Rotated:
        old = _own_key(conn, partner_id, key_id)
        if key_status(old, at_us) != "active":
            raise Conflict(
                f"key {key_id} is {key_status(old, at_us)} and cannot be rotated; "
                + (
                    f"rotate key {old.replaced_by}, which replaced it"
                    if old.replaced_by is not None and old.revoked_at_us is None
                    else "create a new key"
                ),
                code="key_not_current",
                field="key_id",
            )
        mode = Mode(old.mode)
        require_live_allowed(mode, _status(conn, partner_id))
        scopes = parse_scopes(old.scopes.split(";") if old.scopes else ())
        issued = new_key(conn, partner_id, old.name, mode, scopes, old.member_id, at_us)
        if not partners_repo.retire_key(conn, partner_id, key_id, expires_at_us, issued.key_id):
            raise Conflict(
                f"key {key_id} was rotated or revoked meanwhile; list your keys and try again",
                code="key_not_current",
                field="key_id",
            )
        return Rotated(issued, key_id, expires_at_us)

    return rt.db.write(work)


def revoke_key(rt: Runtime, principal: PartnerPrincipal, key_id: int) -> None:
    """Revoke the caller's organisation's key ``key_id`` now: the very next request with it
    is refused. Revoking a revoked key changes nothing."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> None:
        _own_key(conn, principal.partner_id, key_id)
        partners_repo.revoke_key(conn, principal.partner_id, key_id, at_us)

    rt.db.write(work)


def _own_key(conn: UnitOfWork, partner_id: str, key_id: int) -> KeyRecord:
    """``partner_id``'s key ``key_id``; 404 for another partner's, as for none at all."""
    record = partners_repo.key(conn, partner_id, key_id)
    if record is None:
        raise NotFound(f"your organisation has no key {key_id}", field="key_id")
    return record


def _status(conn: UnitOfWork, partner_id: str) -> PartnerStatus:
    stored = partners_repo.partner(conn, partner_id)
    if stored is None:
        raise NotFound(f"there is no partner {partner_id!r}", field="partner_id")
    return PartnerStatus(stored.status)

"""Partners: sign-up, operator approval, and the API keys partners act with.

Why partner keys are read from the store on every request, unlike operator keys and participant
tokens (``services.auth_cache``): partners call far less often than players, and a revoked or
rotated-out key, or a suspended partner, must be refused at once by every server process.

Why the secret says its mode (``sxp_test_…`` / ``sxp_live_…``): a partner who pastes a key
into the wrong environment can see which world it acts in, as with payment platforms' keys.

Why approval records a ``partner.approved`` webhook event: a partner's systems can switch to
live mode when it arrives instead of polling; the event is written in the decision's own unit
of work (``store.webhook_outbox``), so it goes out if and only if the approval committed.

Members and keys are in ``services.partner_members`` and ``services.partner_keys``.

Example: ``signup(rt, Application("see-foundation", "SEE Foundation", …))`` → a pending
partner, its owner and a sandbox key ``sxp_test_…`` (shown once); after
``decide(rt, "see-foundation", approve=True, by="ops")`` the owner may create live keys.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.errors import Conflict, NotFound, Unauthorised
from saxaul.domain.partners import (
    Mode,
    PartnerKind,
    PartnerPrincipal,
    PartnerRefused,
    PartnerStatus,
    Role,
    Scope,
    parse_scopes,
    scopes_text,
)
from saxaul.services.runtime import Runtime
from saxaul.store import partners_repo, webhook_outbox
from saxaul.store.partners_repo import StoredPartner
from saxaul.store.uow import WriteUnitOfWork

KEY_PREFIX = {Mode.SANDBOX: "sxp_test_", Mode.LIVE: "sxp_live_"}
MAX_SECRET = 128
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class Application:
    """What an organisation gives to sign up."""

    partner_id: str
    name_en: str
    name_zh: str | None
    kind: PartnerKind
    contact_email: str
    owner_name: str


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just created: its secret is in this answer and nowhere else, ever."""

    key_id: int
    name: str
    mode: Mode
    scopes: frozenset[Scope]
    secret: str


def digest(secret: str) -> str:
    """What is stored of a partner key: its SHA-256 (the secret has 256 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(
    conn: WriteUnitOfWork,
    partner_id: str,
    name: str,
    mode: Mode,
    scopes: frozenset[Scope],
    member_id: int | None,
    at_us: int,
) -> IssuedKey:
    """Store a new key for ``partner_id`` in the caller's unit of work; returns its secret."""
    secret = KEY_PREFIX[mode] + secrets.token_urlsafe(32)
    key_id = partners_repo.insert_key(
        conn,
        partner_id=partner_id,
        name=name,
        key_hash=digest(secret),
        mode=mode.value,
        scopes=scopes_text(scopes),
        member_id=member_id,
        at_us=at_us,
    )
    return IssuedKey(key_id, name, mode, scopes, secret)


def signup(
    rt: Runtime, application: Application, *, by_operator: bool = False
) -> tuple[StoredPartner, IssuedKey]:
    """A pending partner with its owner and a sandbox key carrying every scope.

    The partner can build against the sandbox at once; live keys wait for an operator's
    approval (``decide``). Only an operator (``by_operator``) may create an organisation of
    kind ``operator``: such a partner runs a programme, which nobody can claim by signing up.
    """
    if application.kind is PartnerKind.OPERATOR and not by_operator:
        raise PartnerRefused(
            "an organisation of kind operator is created by the platform's operators; sign up "
            "as ngo or business",
            code="invalid_partner_kind",
            field="kind",
        )
    if not SLUG.fullmatch(application.partner_id):
        raise PartnerRefused(
            "a partner id is 1 to 64 lowercase letters, digits and inner hyphens, e.g. "
            "see-foundation",
            code="invalid_partner_id",
            field="partner_id",
        )
    at_us = to_us(rt.clock.now())
    stored = StoredPartner(
        id=application.partner_id,
        name_en=application.name_en,
        name_zh=application.name_zh,
        kind=application.kind.value,
        status=PartnerStatus.PENDING.value,
        contact_email=application.contact_email,
        created_at_us=at_us,
        decided_at_us=None,
        decision_note=None,
    )

    def work(conn: WriteUnitOfWork) -> IssuedKey:
        if partners_repo.partner(conn, application.partner_id) is not None:
            raise Conflict(
                f"the partner id {application.partner_id!r} is taken; choose another",
                field="partner_id",
            )
        partners_repo.insert_partner(conn, stored)
        owner = partners_repo.insert_member(
            conn,
            application.partner_id,
            application.contact_email,
            application.owner_name,
            Role.OWNER.value,
            at_us,
        )
        return new_key(
            conn, application.partner_id, "sandbox", Mode.SANDBOX, frozenset(Scope), owner, at_us
        )

    return stored, rt.db.write(work)


def decide(
    rt: Runtime, partner_id: str, *, approve: bool, by: str, note: str | None
) -> StoredPartner:
    """An operator approves a partner (it may then hold live keys) or suspends it (its live
    keys are refused from the next request on); returns the partner as decided.

    Approving records ``partner.approved`` for the partner's live webhooks, once: approving
    an approved partner again changes nothing.
    """
    status = PartnerStatus.APPROVED if approve else PartnerStatus.SUSPENDED
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredPartner:
        before = partners_repo.partner(conn, partner_id)
        if before is None:
            raise NotFound(f"there is no partner {partner_id!r}", field="partner_id")
        if before.status == status.value:
            return before
        partners_repo.decide_partner(conn, partner_id, status.value, by, note, at_us)
        after = partners_repo.partner(conn, partner_id)
        assert after is not None
        if approve:
            webhook_outbox.record(
                conn,
                partner_id=partner_id,
                mode=Mode.LIVE.value,
                type="partner.approved",
                payload={"partner": event_view(after)},
                at_us=at_us,
            )
        return after

    return rt.db.write(work)


def event_view(stored: StoredPartner) -> dict[str, str | None]:
    """A partner as webhook payloads show it."""
    decided = stored.decided_at_us
    return {
        "id": stored.id,
        "name_en": stored.name_en,
        "name_zh": stored.name_zh,
        "kind": stored.kind,
        "status": stored.status,
        "decided_at": None if decided is None else from_us(decided).isoformat(),
    }


def list_partners(rt: Runtime, status: PartnerStatus | None, limit: int) -> list[StoredPartner]:
    """Partners by id, of one status or all (an operator's view)."""
    with rt.db.reading() as conn:
        return partners_repo.list_partners(conn, None if status is None else status.value, limit)


def get_partner(rt: Runtime, partner_id: str) -> StoredPartner:
    """The partner ``partner_id``; 404 when there is none."""
    with rt.db.reading() as conn:
        stored = partners_repo.partner(conn, partner_id)
    if stored is None:
        raise NotFound(f"there is no partner {partner_id!r}", field="partner_id")
    return stored


def authenticate_partner(rt: Runtime, secret: str) -> PartnerPrincipal:
    """The principal of a presented partner key; unknown, revoked, expired keys and the live
    keys of a partner not (or no longer) approved are all refused."""
    if not secret.startswith(tuple(KEY_PREFIX.values())) or len(secret) > MAX_SECRET:
        raise Unauthorised(
            "this is not a Saxaul partner key (sxp_test_… or sxp_live_…); sign up with "
            "POST /v1/partners or ask your organisation's owner for one"
        )
    now_us = to_us(rt.clock.now())
    with rt.db.reading() as conn:
        key = partners_repo.live_key(conn, digest(secret), now_us)
    if key is None:
        raise Unauthorised("unknown, revoked or expired partner key; create a current one")
    if key.mode == Mode.LIVE.value and key.partner_status != PartnerStatus.APPROVED.value:
        raise Unauthorised(
            f"your organisation is {key.partner_status}: live keys work once an operator has "
            "approved it; use a sandbox key meanwhile"
        )
    return PartnerPrincipal(
        key_id=key.id,
        partner_id=key.partner_id,
        mode=Mode(key.mode),
        scopes=parse_scopes(key.scopes.split(";") if key.scopes else ()),
        kind=PartnerKind(key.partner_kind),
        status=PartnerStatus(key.partner_status),
    )

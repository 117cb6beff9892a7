"""What erasure and raw-event retention ask of the store: find, delete and overwrite.

Why the payment columns are named once here: erasure (``services.erasure``) and retention
(``services.retention``) null the same columns of an event, and keep the same provenance
columns, so the two can never disagree about what "an event without its personal details" is.

Every function runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select, update

from saxaul.store.tables import (
    covers,
    demographics,
    events,
    friendships,
    imported_statements,
    participant_credentials,
    participants,
    personal_keys,
    planting_orders,
    quarantine,
    requests,
    sessions,
    tree_liabilities,
    tree_members,
    trees,
)
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

PAYMENT_COLUMNS = ("amount_minor", "currency", "merchant_category", "attributes")
"""An event's payment details and free attributes: personal, and not needed to explain an
award once scored (the award keeps its grams, pack and factors)."""
REDACTED = "[erased]"
"""What a redacted quarantine row's text becomes."""
Step = Callable[[WriteUnitOfWork], int]
"""One chunk of a retention run: rows changed."""


@dataclass(frozen=True, slots=True)
class Holding:
    """A promised tree of the participant that a partner holds in one of its orders."""

    partner_id: str
    mode: str
    order_id: str
    tree_id: str


def erased_at(conn: UnitOfWork, user_id: str, *, lock: bool = False) -> tuple[bool, int | None]:
    """(enrolled, erased_at_us) of ``user_id``; ``lock``: locked until commit (PostgreSQL)."""
    query = select(participants.c.erased_at_us).where(participants.c.user_id == user_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return (False, None) if row is None else (True, row.erased_at_us)


def partner_holdings(conn: UnitOfWork, user_id: str) -> list[Holding]:
    """The user's trees (planted or co-planted) that are in a partner's planting order."""
    mine = select(tree_members.c.tree_id).where(tree_members.c.user_id == user_id)
    started = select(trees.c.id).where(trees.c.initiator == user_id)
    rows = conn.execute(
        select(
            planting_orders.c.partner_id,
            planting_orders.c.mode,
            planting_orders.c.id,
            tree_liabilities.c.tree_id,
        )
        .join(planting_orders, planting_orders.c.id == tree_liabilities.c.order_id)
        .where(or_(tree_liabilities.c.tree_id.in_(mine), tree_liabilities.c.tree_id.in_(started)))
        .order_by(planting_orders.c.partner_id, planting_orders.c.id, tree_liabilities.c.tree_id)
    )
    return [Holding(r.partner_id, r.mode, r.id, r.tree_id) for r in rows]


def session_digests(conn: UnitOfWork, user_id: str) -> list[str]:
    """Every session token hash of ``user_id`` (to forget them in the process's cache)."""
    return list(
        conn.execute(select(sessions.c.token_hash).where(sessions.c.user_id == user_id)).scalars()
    )


def erase(conn: WriteUnitOfWork, user_id: str, at_us: int) -> dict[str, int]:
    """Delete or overwrite every personal field of ``user_id``; rows touched per table.

    The pseudonym stays where sums need it (ledger, awards, balls, trees, cap usage)."""
    touched: dict[str, int] = {}
    for table, where in (
        (demographics, demographics.c.user_id == user_id),
        (participant_credentials, participant_credentials.c.user_id == user_id),
        (sessions, sessions.c.user_id == user_id),
        (requests, requests.c.user_id == user_id),
        (covers, covers.c.user_id == user_id),
        (tree_members, tree_members.c.user_id == user_id),
        (imported_statements, imported_statements.c.user_id == user_id),
        (personal_keys, personal_keys.c.user_id == user_id),
        (friendships, or_(friendships.c.user_low == user_id, friendships.c.user_high == user_id)),
    ):
        touched[table.name] = conn.execute(delete(table).where(where)).rowcount
    touched["events"] = conn.execute(
        update(events)
        .where(events.c.user_id == user_id, _has_payment_details())
        .values(dict.fromkeys(PAYMENT_COLUMNS))
    ).rowcount
    touched["quarantine"] = conn.execute(
        update(quarantine)
        .where(quarantine.c.raw.contains(user_id, autoescape=True), quarantine.c.raw != REDACTED)
        .values(raw=REDACTED, reason=REDACTED, field=None)
    ).rowcount
    conn.execute(
        update(participants)
        .where(participants.c.user_id == user_id)
        .values(
            consent_scopes="",
            consent_at_us=None,
            withdrawn_at_us=at_us,
            updated_at_us=at_us,
            erased_at_us=at_us,
        )
    )
    return touched


def _has_payment_details() -> ColumnElement[bool]:
    return or_(*(events.c[name].is_not(None) for name in PAYMENT_COLUMNS))


def strip_old_events(conn: WriteUnitOfWork, before_us: int, limit: int) -> int:
    """Null the payment details of at most ``limit`` events that occurred before ``before_us``
    and still have some; how many were stripped (fewer than ``limit``: none are left)."""
    keys = (
        select(events.c.dedupe_key)
        .where(events.c.occurred_at_us < before_us, _has_payment_details())
        .limit(limit)
        .scalar_subquery()
    )
    return conn.execute(
        update(events).where(events.c.dedupe_key.in_(keys)).values(dict.fromkeys(PAYMENT_COLUMNS))
    ).rowcount


def delete_old_quarantine(conn: WriteUnitOfWork, before_us: int, limit: int) -> int:
    """Delete at most ``limit`` quarantined rows kept before ``before_us``; how many."""
    ids = (
        select(quarantine.c.id)
        .where(quarantine.c.created_at_us < before_us)
        .limit(limit)
        .scalar_subquery()
    )
    return conn.execute(delete(quarantine).where(quarantine.c.id.in_(ids))).rowcount

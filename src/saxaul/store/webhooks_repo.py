"""Webhook subscriptions, the fan-out of the outbox into deliveries, claims, attempts and the log.

Why deliveries are claimed by moving ``next_attempt_at_us`` to the end of a lease rather than
by a lock held while sending: a request to a partner's server may take seconds, and no
transaction may stay open that long. A claimed delivery looks "not due" to every other
dispatcher until its lease ends; if its dispatcher dies before recording the attempt, the
lease runs out and another sends it again (at least once). On PostgreSQL the claim also skips
rows another claim has locked at that instant (``FOR UPDATE SKIP LOCKED``).

Why only the head of each subscription's queue can be claimed: events reach a receiver in
outbox order. A delivery is claimable only when no pending delivery of the same subscription
has an earlier event, so a later event waits until the earlier one is delivered or has
finally failed, while other subscriptions' queues move on.

Every function runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, insert, select, update

from saxaul.domain.webhooks import matches
from saxaul.store.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"

_subs = webhook_subscriptions
_deliveries = webhook_deliveries
_events = webhook_events


@dataclass(frozen=True, slots=True)
class StoredSubscription:
    """A subscription as stored (its event types split back into a tuple)."""

    id: int
    partner_id: str
    mode: str
    url: str
    event_types: tuple[str, ...]
    secret_version: int
    created_at_us: int
    disabled_at_us: int | None
    rotated_at_us: int | None
    failed_at_us: int | None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An outbox event."""

    seq: int
    id: str
    partner_id: str
    mode: str
    type: str
    payload: str
    created_at_us: int


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    """One try at sending a delivery."""

    at_us: int
    status_code: int | None
    error: str | None
    duration_us: int


@dataclass(frozen=True, slots=True)
class StoredDelivery:
    """A delivery with its event's id and type and every attempt, oldest first."""

    id: int
    event_id: str
    event_type: str
    status: str
    next_attempt_at_us: int
    delivered_at_us: int | None
    attempts: tuple[StoredAttempt, ...]


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery leased to one dispatcher, with all it needs to send it."""

    id: int
    subscription: StoredSubscription
    event: StoredEvent
    attempts: int
    queued_at_us: int
    queued_attempts: int


_SUB_COLUMNS = (
    _subs.c.id,
    _subs.c.partner_id,
    _subs.c.mode,
    _subs.c.url,
    _subs.c.event_types,
    _subs.c.secret_version,
    _subs.c.created_at_us,
    _subs.c.disabled_at_us,
    _subs.c.rotated_at_us,
    _subs.c.failed_at_us,
)
_EVENT_COLUMNS = (
    _events.c.seq,
    _events.c.id,
    _events.c.partner_id,
    _events.c.mode,
    _events.c.type,
    _events.c.payload,
    _events.c.created_at_us,
)


def _subscription(row: Sequence[object]) -> StoredSubscription:
    values = list(row)
    values[4] = tuple(str(values[4]).split(";"))
    return StoredSubscription(*values)  # type: ignore[arg-type]


# ------------------------------------------------------------------ subscriptions


def insert_subscription(
    conn: WriteUnitOfWork,
    *,
    partner_id: str,
    mode: str,
    url: str,
    event_types: Sequence[str],
    at_us: int,
) -> int:
    """Store a subscription that receives the events recorded from now on; returns its id."""
    last = conn.execute(select(func.coalesce(func.max(_events.c.seq), 0))).scalar_one()
    result = conn.execute(
        insert(_subs)
        .values(
            partner_id=partner_id,
            mode=mode,
            url=url,
            event_types=";".join(event_types),
            secret_version=1,
            created_at_us=at_us,
            after_seq=int(last),
        )
        .returning(_subs.c.id)
    )
    return int(result.scalar_one())


def subscriptions(
    conn: UnitOfWork, partner_id: str, mode: str, *, limit: int, after_id: int = 0
) -> list[StoredSubscription]:
    """``partner_id``'s subscriptions in ``mode``, oldest first (disabled ones included): at
    most ``limit`` after ``after_id``."""
    rows = conn.execute(
        select(*_SUB_COLUMNS)
        .where(_subs.c.partner_id == partner_id, _subs.c.mode == mode, _subs.c.id > after_id)
        .order_by(_subs.c.id)
        .limit(limit)
    )
    return [_subscription(row) for row in rows]


def subscription(
    conn: UnitOfWork, partner_id: str, mode: str, subscription_id: int
) -> StoredSubscription | None:
    """The subscription if it is ``partner_id``'s in ``mode``; ``None`` otherwise."""
    row = conn.execute(
        select(*_SUB_COLUMNS).where(
            _subs.c.id == subscription_id,
            _subs.c.partner_id == partner_id,
            _subs.c.mode == mode,
        )
    ).first()
    return None if row is None else _subscription(row)


def disable(conn: WriteUnitOfWork, subscription_id: int, at_us: int) -> None:
    """Stop delivering to the subscription (its pending deliveries stay as they are)."""
    conn.execute(
        update(_subs)
        .where(_subs.c.id == subscription_id, _subs.c.disabled_at_us.is_(None))
        .values(disabled_at_us=at_us)
    )


def rotate(conn: WriteUnitOfWork, subscription_id: int, at_us: int) -> int:
    """Raise the subscription's secret version; returns the new version."""
    result = conn.execute(
        update(_subs)
        .where(_subs.c.id == subscription_id)
        .values(secret_version=_subs.c.secret_version + 1, rotated_at_us=at_us)
        .returning(_subs.c.secret_version)
    )
    return int(result.scalar_one())


# ------------------------------------------------------------------ fan-out


def fan_out(conn: WriteUnitOfWork, now_us: int, limit: int) -> tuple[int, int]:
    """Turn up to ``limit`` outbox events, oldest first, into one pending delivery per
    matching active subscription; returns (events, deliveries).

    ``matches(event_types, type)`` decides a subscription's types; an event addressed to one
    subscription goes to it alone. On PostgreSQL the events are locked, so a second dispatcher
    fanning out at the same time waits and then finds them done.
    """
    found = conn.execute(
        select(*_EVENT_COLUMNS, _events.c.subscription_id)
        .where(_events.c.fanned_out_at_us.is_(None))
        .order_by(_events.c.seq)
        .limit(limit)
        .with_for_update()
    ).all()
    if not found:
        return 0, 0
    events = [StoredEvent(*row[:-1]) for row in found]
    addressed = {row[0]: row[-1] for row in found if row[-1] is not None}
    active = [
        (_subscription(row[:-1]), int(row[-1]))
        for row in conn.execute(
            select(*_SUB_COLUMNS, _subs.c.after_seq).where(
                _subs.c.partner_id.in_({e.partner_id for e in events}),
                _subs.c.disabled_at_us.is_(None),
            )
        )
    ]
    rows = [
        {
            "subscription_id": sub.id,
            "event_seq": event.seq,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at_us": now_us,
            "queued_at_us": now_us,
            "queued_attempts": 0,
        }
        for event in events
        for sub, after_seq in active
        if sub.partner_id == event.partner_id
        and sub.mode == event.mode
        and (
            addressed[event.seq] == sub.id
            if event.seq in addressed
            else after_seq < event.seq and matches(sub.event_types, event.type)
        )
    ]
    if rows:
        conn.execute(insert(_deliveries), rows)
    conn.execute(
        update(_events)
        .where(_events.c.seq.in_([e.seq for e in events]))
        .values(fanned_out_at_us=now_us)
    )
    return len(events), len(rows)


# ------------------------------------------------------------------ claims and attempts


def claim_due(
    conn: WriteUnitOfWork, now_us: int, lease_until_us: int, limit: int
) -> list[ClaimedDelivery]:
    """Lease up to ``limit`` due deliveries, at most one per subscription (the head of its
    queue), until ``lease_until_us``."""
    earlier = _deliveries.alias("earlier")
    head = ~exists().where(
        earlier.c.subscription_id == _deliveries.c.subscription_id,
        earlier.c.status == PENDING,
        earlier.c.event_seq < _deliveries.c.event_seq,
    )
    ids = list(
        conn.execute(
            select(_deliveries.c.id)
            .join(_subs, _subs.c.id == _deliveries.c.subscription_id)
            .where(
                _deliveries.c.status == PENDING,
                _deliveries.c.next_attempt_at_us <= now_us,
                _subs.c.disabled_at_us.is_(None),
                head,
            )
            .order_by(_deliveries.c.next_attempt_at_us, _deliveries.c.id)
            .limit(limit)
            .with_for_update(of=_deliveries, skip_locked=True)
        ).scalars()
    )
    if not ids:
        return []
    conn.execute(
        update(_deliveries)
        .where(_deliveries.c.id.in_(ids))
        .values(next_attempt_at_us=lease_until_us)
    )
    rows = conn.execute(
        select(
            _deliveries.c.id,
            _deliveries.c.attempts,
            _deliveries.c.queued_at_us,
            _deliveries.c.queued_attempts,
            *_SUB_COLUMNS,
            *_EVENT_COLUMNS,
        )
        .join(_subs, _subs.c.id == _deliveries.c.subscription_id)
        .join(_events, _events.c.seq == _deliveries.c.event_seq)
        .where(_deliveries.c.id.in_(ids))
        .order_by(_deliveries.c.id)
    )
    return [
        ClaimedDelivery(
            id=row[0],
            attempts=row[1],
            queued_at_us=row[2],
            queued_attempts=row[3],
            subscription=_subscription(row[4:14]),
            event=StoredEvent(*row[14:]),
        )
        for row in rows
    ]


def record_attempt(
    conn: WriteUnitOfWork,
    claimed: ClaimedDelivery,
    attempt: StoredAttempt,
    *,
    status: str,
    next_attempt_at_us: int,
) -> None:
    """Log ``attempt`` and move the delivery on: ``delivered``, ``failed`` (the subscription
    is flagged), or still ``pending`` until ``next_attempt_at_us``. A success clears the
    subscription's flag."""
    conn.execute(
        insert(webhook_attempts).values(
            delivery_id=claimed.id,
            at_us=attempt.at_us,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_us=attempt.duration_us,
        )
    )
    conn.execute(
        update(_deliveries)
        .where(_deliveries.c.id == claimed.id)
        .values(
            status=status,
            attempts=_deliveries.c.attempts + 1,
            next_attempt_at_us=next_attempt_at_us,
            delivered_at_us=attempt.at_us if status == DELIVERED else _deliveries.c.delivered_at_us,
        )
    )
    if status != PENDING:
        conn.execute(
            update(_subs)
            .where(_subs.c.id == claimed.subscription.id)
            .values(failed_at_us=attempt.at_us if status == FAILED else None)
        )


# ------------------------------------------------------------------ the log and replays


def deliveries(
    conn: UnitOfWork, subscription_id: int, *, limit: int, delivery_id: int | None = None
) -> list[StoredDelivery]:
    """The subscription's deliveries, newest first, with their attempts (or the one
    ``delivery_id``)."""
    query = (
        select(
            _deliveries.c.id,
            _events.c.id,
            _events.c.type,
            _deliveries.c.status,
            _deliveries.c.next_attempt_at_us,
            _deliveries.c.delivered_at_us,
        )
        .join(_events, _events.c.seq == _deliveries.c.event_seq)
        .where(_deliveries.c.subscription_id == subscription_id)
        .order_by(_deliveries.c.id.desc())
        .limit(limit)
    )
    if delivery_id is not None:
        query = query.where(_deliveries.c.id == delivery_id)
    found = conn.execute(query).all()
    attempts: dict[int, list[StoredAttempt]] = {row[0]: [] for row in found}
    if attempts:
        for row in conn.execute(
            select(
                webhook_attempts.c.delivery_id,
                webhook_attempts.c.at_us,
                webhook_attempts.c.status_code,
                webhook_attempts.c.error,
                webhook_attempts.c.duration_us,
            )
            .where(webhook_attempts.c.delivery_id.in_(attempts))
            .order_by(webhook_attempts.c.id)
        ):
            attempts[row[0]].append(StoredAttempt(*row[1:]))
    return [StoredDelivery(*row, attempts=tuple(attempts[row[0]])) for row in found]


def requeue(conn: WriteUnitOfWork, delivery_id: int, now_us: int) -> None:
    """Queue a delivery again, due now, with a fresh retry budget (a manual replay)."""
    conn.execute(
        update(_deliveries)
        .where(_deliveries.c.id == delivery_id)
        .values(
            status=PENDING,
            next_attempt_at_us=now_us,
            queued_at_us=now_us,
            queued_attempts=_deliveries.c.attempts,
        )
    )


def pending_count(conn: UnitOfWork) -> int:
    """Deliveries not yet delivered nor finally failed (of active subscriptions)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(_deliveries)
            .join(_subs, _subs.c.id == _deliveries.c.subscription_id)
            .where(_deliveries.c.status == PENDING, _subs.c.disabled_at_us.is_(None))
        ).scalar_one()
    )

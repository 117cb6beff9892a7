"""Webhooks: partners' subscriptions, and the dispatcher that delivers the outbox to them.

Why deliveries leave the outbox in three steps (claim, send, record), each outside the other's
transaction: a partner's server may take seconds to answer, and no database transaction may
wait on it. A claim leases the head of each subscription's queue (``store.webhooks_repo``),
the POSTs go out on a few threads so a slow receiver does not hold up the others, and each
answer is recorded with its time, status or error, and duration.

Why at least once and not exactly once: a dispatcher that dies after the receiver answered
but before the answer is recorded leaves a lease that runs out, and the delivery is sent again.
Receivers deduplicate on ``Saxaul-Event-Id``; in the normal path each event is delivered once.

Why secrets are derived, never stored: ``whsec_`` + base64url of the instance key's secret for
``webhook:<id>:<version>`` (``services.instance_keys``) is the same in every process and exists
only where the key file is. Rotation raises the version; for ``WebhookPolicy.rotation_grace_s``
after it, deliveries carry a signature with the previous secret too.

Example: ``subscribe(rt, partner, "https://hooks.example/saxaul", ["order.created"])`` →
the subscription and its secret (shown once); an order created later is recorded in the
outbox, and ``dispatch_once(rt)`` POSTs it there, signed.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

from saxaul import __version__
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.errors import Conflict, NotFound
from saxaul.domain.partners import Mode, PartnerPrincipal
from saxaul.domain.webhooks import TEST_EVENT, Reach, check_url, parse_event_types, sign
from saxaul.services import webhook_http
from saxaul.services.runtime import Runtime
from saxaul.store import webhook_outbox, webhooks_repo
from saxaul.store.tables import INTEGER_MAX
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork
from saxaul.store.webhooks_repo import (
    DELIVERED,
    FAILED,
    PENDING,
    ClaimedDelivery,
    StoredAttempt,
    StoredDelivery,
    StoredSubscription,
)

FAN_OUT_BATCH = 1_000
"""Outbox events turned into deliveries per transaction."""
CLAIM_BATCH = 64
"""Deliveries (one per subscription) leased by one claim."""
SENDERS = 8
"""POSTs in flight at once from one dispatcher."""

Subscription = StoredSubscription
"""A subscription as the API shows it (never its secret)."""
Delivery = StoredDelivery
"""A delivery with its attempts, as the log shows it."""
MAX_ID = INTEGER_MAX
"""The largest subscription or delivery id (bounds path parameters)."""

Sender = Callable[[str, bytes, Mapping[str, str], float, Reach], webhook_http.Answer]


@dataclass(frozen=True, slots=True)
class Subscribed:
    """A subscription with its signing secret: shown in this answer and never again."""

    subscription: StoredSubscription
    secret: str


def secret(rt: Runtime, subscription_id: int, version: int) -> str:
    """The signing secret of a subscription's ``version``."""
    raw = rt.keys.secret(f"webhook:{subscription_id}:{version}")
    return "whsec_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def subscribe(
    rt: Runtime, partner: PartnerPrincipal, url: str, event_types: Sequence[str]
) -> Subscribed:
    """A subscription of ``partner`` (in its key's mode) to ``event_types`` at ``url``; it
    receives the events recorded from now on.

    A host name is resolved now and refused if it leads anywhere deliveries may not go (every
    delivery checks again); a name that does not resolve yet is accepted, and its deliveries
    fail until it does."""
    allowed = rt.webhooks.allowed_networks
    checked = check_url(url, partner.mode, allowed)
    with contextlib.suppress(OSError):  # not resolving yet: checked at each delivery
        webhook_http.destinations(checked, Reach.of(partner.mode, allowed))
    types = parse_event_types(event_types)
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredSubscription:
        new_id = webhooks_repo.insert_subscription(
            conn,
            partner_id=partner.partner_id,
            mode=partner.mode.value,
            url=checked,
            event_types=types,
            at_us=at_us,
        )
        return _own(conn, partner, new_id)

    stored = rt.db.write(work)
    return Subscribed(stored, secret(rt, stored.id, stored.secret_version))


def subscriptions(
    rt: Runtime, partner: PartnerPrincipal, *, limit: int, after_id: int = 0
) -> list[StoredSubscription]:
    """The partner's subscriptions in its key's mode, oldest first: a page of ``limit`` after
    ``after_id``."""
    with rt.db.reading() as conn:
        return webhooks_repo.subscriptions(
            conn, partner.partner_id, partner.mode.value, limit=limit, after_id=after_id
        )


def subscription(
    rt: Runtime, partner: PartnerPrincipal, subscription_id: int
) -> StoredSubscription:
    """One of the partner's subscriptions (404 for anyone else's, or the other mode's)."""
    with rt.db.reading() as conn:
        return _own(conn, partner, subscription_id)


def disable(rt: Runtime, partner: PartnerPrincipal, subscription_id: int) -> StoredSubscription:
    """Stop deliveries to a subscription (disabling again changes nothing)."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredSubscription:
        _own(conn, partner, subscription_id)
        webhooks_repo.disable(conn, subscription_id, at_us)
        return _own(conn, partner, subscription_id)

    return rt.db.write(work)


def rotate_secret(rt: Runtime, partner: PartnerPrincipal, subscription_id: int) -> Subscribed:
    """A new signing secret for an active subscription (shown once)."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredSubscription:
        _active(_own(conn, partner, subscription_id))
        webhooks_repo.rotate(conn, subscription_id, at_us)
        return _own(conn, partner, subscription_id)

    stored = rt.db.write(work)
    return Subscribed(stored, secret(rt, stored.id, stored.secret_version))


def delivery_log(
    rt: Runtime, partner: PartnerPrincipal, subscription_id: int, limit: int
) -> list[StoredDelivery]:
    """The subscription's latest ``limit`` deliveries, newest first, with every attempt."""
    with rt.db.reading() as conn:
        _own(conn, partner, subscription_id)
        return webhooks_repo.deliveries(conn, subscription_id, limit=limit)


def replay(
    rt: Runtime, partner: PartnerPrincipal, subscription_id: int, delivery_id: int
) -> StoredDelivery:
    """Send a delivered or failed delivery again, as a new attempt with a fresh retry budget
    (it goes out on the dispatcher's next pass, in its place in the subscription's order)."""
    now_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredDelivery:
        _active(_own(conn, partner, subscription_id))
        found = webhooks_repo.deliveries(conn, subscription_id, limit=1, delivery_id=delivery_id)
        if not found:
            raise NotFound(f"there is no delivery {delivery_id}", field="delivery_id")
        if found[0].status == PENDING:
            raise Conflict(
                "this delivery is still being sent; replay it once it is delivered or failed",
                code="delivery_pending",
                field="delivery_id",
            )
        webhooks_repo.requeue(conn, delivery_id, now_us)
        return webhooks_repo.deliveries(conn, subscription_id, limit=1, delivery_id=delivery_id)[0]

    return rt.db.write(work)


def send_test(rt: Runtime, partner: PartnerPrincipal, subscription_id: int) -> str:
    """Record a ``webhook.test`` event for this subscription alone; returns the event's id."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> str:
        stored = _active(_own(conn, partner, subscription_id))
        return webhook_outbox.record(
            conn,
            partner_id=partner.partner_id,
            mode=partner.mode.value,
            type=TEST_EVENT,
            payload={"subscription_id": stored.id, "message": "hello from Saxaul"},
            at_us=at_us,
            subscription_id=stored.id,
        )

    return rt.db.write(work)


def _own(conn: UnitOfWork, partner: PartnerPrincipal, subscription_id: int) -> StoredSubscription:
    stored = webhooks_repo.subscription(
        conn, partner.partner_id, partner.mode.value, subscription_id
    )
    if stored is None:
        raise NotFound(
            f"there is no webhook subscription {subscription_id}", field="subscription_id"
        )
    return stored


def _active(stored: StoredSubscription) -> StoredSubscription:
    if stored.disabled_at_us is not None:
        raise Conflict(
            f"webhook subscription {stored.id} is disabled; create a new one",
            code="subscription_disabled",
            field="subscription_id",
        )
    return stored


# ------------------------------------------------------------------ the dispatcher


@dataclass(frozen=True, slots=True)
class DispatchResult:
    """What a dispatcher pass did."""

    events: int = 0
    """Outbox events fanned out."""
    queued: int = 0
    """Deliveries those events became."""
    sent: int = 0
    """Deliveries a receiver acknowledged."""
    retrying: int = 0
    """Attempts that failed and will be retried."""
    failed: int = 0
    """Deliveries that have finally failed."""

    def __add__(self, other: DispatchResult) -> DispatchResult:
        return DispatchResult(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(DispatchResult))
        )

    @property
    def attempts(self) -> int:
        """POSTs made."""
        return self.sent + self.retrying + self.failed


def dispatch_once(rt: Runtime, *, send: Sender = webhook_http.post) -> DispatchResult:
    """Fan the whole outbox out, then send the head of every subscription's queue that is due
    (one delivery per subscription) and record the answers."""
    result = _fan_out(rt)
    policy = rt.webhooks
    now_us = to_us(rt.clock.now())
    claimed = rt.db.write(
        lambda conn: webhooks_repo.claim_due(conn, now_us, now_us + policy.lease_us, CLAIM_BATCH)
    )
    if not claimed:
        return result
    with ThreadPoolExecutor(min(SENDERS, len(claimed)), thread_name_prefix="webhook") as pool:
        attempts = list(pool.map(lambda c: _attempt(rt, c, send), claimed))
    outcomes = [_outcome(rt, c, a) for c, a in zip(claimed, attempts, strict=True)]

    def record(conn: WriteUnitOfWork) -> None:
        for delivery, attempt, (status, next_at_us) in zip(
            claimed, attempts, outcomes, strict=True
        ):
            webhooks_repo.record_attempt(
                conn, delivery, attempt, status=status, next_attempt_at_us=next_at_us
            )

    rt.db.write(record)
    statuses = [status for status, _ in outcomes]
    return result + DispatchResult(
        sent=statuses.count(DELIVERED),
        retrying=statuses.count(PENDING),
        failed=statuses.count(FAILED),
    )


def _fan_out(rt: Runtime) -> DispatchResult:
    """Turn every outbox event not yet fanned out into deliveries, a batch per transaction."""
    result = DispatchResult()
    while True:
        now_us = to_us(rt.clock.now())
        events, queued = rt.db.write(
            functools.partial(webhooks_repo.fan_out, now_us=now_us, limit=FAN_OUT_BATCH)
        )
        result += DispatchResult(events=events, queued=queued)
        if events < FAN_OUT_BATCH:
            return result


def dispatch_until_idle(rt: Runtime, *, send: Sender = webhook_http.post) -> DispatchResult:
    """Dispatch passes until one finds nothing due (deliveries waiting to be retried later
    stay queued)."""
    total = DispatchResult()
    while True:
        done = dispatch_once(rt, send=send)
        total += done
        if done.attempts == 0:
            return total


def pending(rt: Runtime) -> int:
    """Deliveries neither delivered nor finally failed yet."""
    with rt.db.reading() as conn:
        return webhooks_repo.pending_count(conn)


def body(event: webhooks_repo.StoredEvent) -> bytes:
    """What a receiver is sent for ``event``: compact JSON, the same bytes on every attempt."""
    document = {
        "id": event.id,
        "type": event.type,
        "created_at": from_us(event.created_at_us).isoformat().replace("+00:00", "Z"),
        "partner_id": event.partner_id,
        "mode": event.mode,
        "data": json.loads(event.payload),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _attempt(rt: Runtime, claimed: ClaimedDelivery, send: Sender) -> StoredAttempt:
    sub = claimed.subscription
    sent_at = rt.clock.now()
    payload = body(claimed.event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Saxaul-Webhooks/{__version__}",
        "Saxaul-Event-Id": claimed.event.id,
        "Saxaul-Delivery-Attempt": str(claimed.attempts + 1),
        "Saxaul-Signature": sign(
            secret(rt, sub.id, sub.secret_version),
            int(sent_at.timestamp()),
            payload,
            also=_previous_secrets(rt, sub, to_us(sent_at)),
        ),
    }
    started = time.monotonic()
    reach = Reach.of(Mode(sub.mode), rt.webhooks.allowed_networks)
    answer = send(sub.url, payload, headers, rt.webhooks.timeout_s, reach)
    duration_us = round((time.monotonic() - started) * 1_000_000)
    error = answer.error
    if error is None and not answer.ok:
        error = f"answered HTTP {answer.status_code}; only 2xx acknowledges a delivery"
    return StoredAttempt(to_us(sent_at), answer.status_code, error, duration_us)


def _previous_secrets(rt: Runtime, sub: StoredSubscription, now_us: int) -> tuple[str, ...]:
    grace_us = rt.webhooks.rotation_grace_s * 1_000_000
    if sub.rotated_at_us is None or now_us - sub.rotated_at_us >= grace_us:
        return ()
    return (secret(rt, sub.id, sub.secret_version - 1),)


def _outcome(rt: Runtime, claimed: ClaimedDelivery, attempt: StoredAttempt) -> tuple[str, int]:
    """The delivery's status after ``attempt``, and when it is next due."""
    if attempt.error is None:
        return DELIVERED, attempt.at_us
    now_us = to_us(rt.clock.now())
    next_at_us = rt.webhooks.next_attempt(
        attempts=claimed.attempts + 1 - claimed.queued_attempts,
        queued_at_us=claimed.queued_at_us,
        now_us=now_us,
        rand=random.random(),
    )
    return (FAILED, now_us) if next_at_us is None else (PENDING, next_at_us)


class DeliveryStats:
    """Deliveries sent and failed by this process's dispatcher (for metrics)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = DispatchResult()

    def add(self, result: DispatchResult) -> None:
        """Count a pass."""
        with self._lock:
            self.total += result

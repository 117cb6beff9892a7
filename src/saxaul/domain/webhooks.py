"""Webhooks: which events a partner may subscribe to, where they may go, how they are signed,
and when a failed delivery is tried again.

Why a closed list of event types: a partner's receiver is code written against documented
payloads; an unknown type in a subscription is a typo that would silently never fire, so it is
refused. ``*`` subscribes to every listed type (a new type added later included).

Why the Stripe signature scheme (``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>``):
it is widely known, verifiable in a few lines of any language, and the signed timestamp lets a
receiver refuse a captured request replayed later (it rejects ``t`` older than a few minutes).

Why retries back off with jitter up to a cap: a receiver that is down should not be hammered,
and thousands of deliveries failed at the same moment should not all come back at the same
moment either. The numbers are ``DEFAULT_POLICY`` below, overridable by settings
(``SAXAUL_WEBHOOKS_*``, docs/operations.md), and nowhere else.

Example: ``sign("whsec_…", 1_780_000_000, b'{"id":"evt_…"}')`` →
``"t=1780000000,v1=5f0c…"``; ``DEFAULT_POLICY.next_attempt(attempts=1, queued_at_us=0,
now_us=0, rand=0.0)`` → 10 s later.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from saxaul.domain.errors import DomainError
from saxaul.domain.partners import Mode

EVENT_TYPES = (
    "partner.approved",
    "order.created",
    "order.accepted",
    "evidence.accepted",
    "certificate.issued",
    "tree.lost",
    "scenario.approved",
    "scenario.rejected",
)
"""What a subscription may ask for (and ``*``, all of them)."""
ALL = "*"
TEST_EVENT = "webhook.test"
"""Sent only to the subscription that asked for it (``POST …/{id}/test``), whatever it lists."""
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_URL = 2048


class WebhookRefused(DomainError):
    """A subscription or delivery request the rules refuse (``code`` says which)."""

    code = "webhook_refused"


def parse_event_types(values: Iterable[str]) -> tuple[str, ...]:
    """The requested event types, sorted and unique; an unknown one is refused with the list."""
    wanted = set(values)
    unknown = sorted(wanted - {*EVENT_TYPES, ALL})
    if unknown:
        raise WebhookRefused(
            f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)} "
            f"or {ALL} for all",
            code="unknown_event_type",
            field="event_types",
        )
    if not wanted:
        raise WebhookRefused(
            "name at least one event type, or * for all",
            code="unknown_event_type",
            field="event_types",
        )
    return (ALL,) if ALL in wanted else tuple(sorted(wanted))


def matches(event_types: Iterable[str], event_type: str) -> bool:
    """Whether a subscription to ``event_types`` receives an event of ``event_type`` by fan-out
    (the test event is addressed to one subscription instead)."""
    listed = set(event_types)
    return event_type != TEST_EVENT and (ALL in listed or event_type in listed)


def check_url(url: str, mode: Mode) -> str:
    """``url`` if deliveries may go there: ``https://`` anywhere; ``http://`` only to this
    machine, and only in sandbox mode.

    Why: a delivery carries a partner's business events and its signature; over plain HTTP on
    a network anyone on the path reads and can alter them (the signature detects alteration,
    not reading). A developer's receiver on their own machine has no path to eavesdrop on, and
    sandbox events are not real, so local HTTP is allowed there for trying things out.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if len(url) > MAX_URL or not host or parts.username or parts.password:
        raise WebhookRefused(
            "give an absolute URL with a host and no credentials in it, at most "
            f"{MAX_URL} characters",
            code="invalid_webhook_url",
            field="url",
        )
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and mode is Mode.SANDBOX and _is_local(host):
        return url
    raise WebhookRefused(
        "webhooks go to https:// URLs; plain http:// is allowed only to localhost or "
        "127.0.0.1 with a sandbox key, where nothing travels over a network",
        code="invalid_webhook_url",
        field="url",
    )


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sign(secret: str, t: int, body: bytes, *, also: Iterable[str] = ()) -> str:
    """The ``Saxaul-Signature`` header of ``body`` sent at unix second ``t``.

    ``also``: older secrets still in their grace period after a rotation; each adds a ``v1=``
    so a receiver holding either secret accepts the delivery.
    """
    signed = f"{t}.".encode() + body
    parts = [f"t={t}"]
    for key in (secret, *also):
        parts.append("v1=" + hmac.new(key.encode(), signed, hashlib.sha256).hexdigest())
    return ",".join(parts)


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """How deliveries are sent and retried (settings ``SAXAUL_WEBHOOKS_*``)."""

    retry_s: tuple[int, ...]
    """Wait after the 1st, 2nd, … failed attempt; the last repeats (the cap)."""
    jitter: float
    """Each wait is stretched by up to this fraction, at random."""
    max_attempts: int
    """Attempts before a delivery has finally failed …"""
    max_age_s: int
    """… or seconds since it was queued, whichever comes first."""
    timeout_s: float
    """A receiver must answer 2xx within this."""
    rotation_grace_s: int
    """After a secret rotation, deliveries carry the old secret's signature too for this long."""

    def next_attempt(
        self, *, attempts: int, queued_at_us: int, now_us: int, rand: float
    ) -> int | None:
        """When to try again after ``attempts`` failed attempts (``rand`` in [0, 1)); ``None``
        when the delivery has finally failed."""
        if attempts >= self.max_attempts:
            return None
        wait_s = self.retry_s[min(attempts, len(self.retry_s)) - 1] * (1 + self.jitter * rand)
        at_us = now_us + round(wait_s * 1_000_000)
        return None if at_us - queued_at_us > self.max_age_s * 1_000_000 else at_us

    @property
    def lease_us(self) -> int:
        """How long a claimed delivery is left to its dispatcher: past it (the dispatcher died
        between claim and record), another may send it again."""
        return round((2 * self.timeout_s + 60) * 1_000_000)


DEFAULT_POLICY = WebhookPolicy(
    retry_s=(10, 30, 120, 600, 3600, 21_600),
    jitter=0.2,
    max_attempts=25,
    max_age_s=3 * 86_400,
    timeout_s=10.0,
    rotation_grace_s=86_400,
)
"""10 s, 30 s, 2 min, 10 min, 1 h, then every 6 h, until 3 days have passed (25 attempts at
most): a receiver down for up to three days still gets its events, in order, once it is back."""

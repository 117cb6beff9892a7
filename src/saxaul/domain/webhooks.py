"""Webhooks: which events a partner may subscribe to, where they may go, how they are signed,
and when a failed delivery is tried again.

Why deliveries may reach public addresses only (``Reach``): the server, not the partner, makes
the request, from inside the operator's network. A URL naming a loopback, private, link-local
(the cloud metadata service at 169.254.169.254) or otherwise special-purpose address, or a
name resolving to one, would let a partner make the server POST to machines only it can reach
(server-side request forgery). Python's ``ipaddress`` says which addresses are global, but
address forms that carry an IPv4 address inside an IPv6 one (mapped, 6to4, NAT64) are judged
by the IPv4 address they reach, and a few ranges it (in Python 3.11) calls global are not.

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
import re
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
    "participant.erased",
)
"""What a subscription may ask for (and ``*``, all of them)."""
PARTICIPANT_ERASED = "participant.erased"
"""A participant whose trees a partner holds was erased: the partner deletes its copies."""
MANDATORY = frozenset({PARTICIPANT_ERASED})
"""Sent to every subscription of the partner whatever types it lists: an erasure is an
obligation to pass on, not news a partner may choose not to hear."""
ALL = "*"
TEST_EVENT = "webhook.test"
"""Sent only to the subscription that asked for it (``POST …/{id}/test``), whatever it lists."""
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_URL = 2048

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_SHARED = ipaddress.ip_network("100.64.0.0/10")
"""Carrier-grade NAT's shared address space (RFC 6598): neither private nor global."""
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
"""The well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 address reached."""
_UNROUTED = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("64:ff9b:1::/48"))
"""Special-purpose ranges Python 3.11's ``ipaddress`` calls global: IETF protocol assignments
(RFC 6890) and local-use NAT64 (RFC 8215, translating into the operator's own networks)."""
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
"""A host label read as a number (WHATWG URL: a host ending in one is an IPv4 address)."""


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
    return event_type != TEST_EVENT and (
        ALL in listed or event_type in listed or event_type in MANDATORY
    )


def check_url(url: str, mode: Mode, allowed: tuple[Network, ...] = ()) -> str:
    """``url`` if deliveries may go there: ``https://`` anywhere public; ``http://`` only to
    this machine, and only in sandbox mode; an address (``Reach``) only if ``mode`` and the
    operator's ``allowed`` networks let deliveries reach it.

    Why: a delivery carries a partner's business events and its signature; over plain HTTP on
    a network anyone on the path reads and can alter them (the signature detects alteration,
    not reading). A developer's receiver on their own machine has no path to eavesdrop on, and
    sandbox events are not real, so local HTTP is allowed there for trying things out.

    A host name is not resolved here (that is I/O): the caller checks where it leads, at
    registration and again at every delivery.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if len(url) > MAX_URL or not host or parts.username or parts.password or _bad_port(url):
        raise WebhookRefused(
            "give an absolute URL with a host, a port from 1 to 65535 if any, and no "
            f"credentials in it, at most {MAX_URL} characters",
            code="invalid_webhook_url",
            field="url",
        )
    if not (
        parts.scheme == "https"
        or (parts.scheme == "http" and mode is Mode.SANDBOX and _is_local(host))
    ):
        raise WebhookRefused(
            "webhooks go to https:// URLs; plain http:// is allowed only to localhost or "
            "127.0.0.1 with a sandbox key, where nothing travels over a network",
            code="invalid_webhook_url",
            field="url",
        )
    address = literal_address(host)
    if address is not None:
        Reach.of(mode, allowed).check(host, address)
    return url


def literal_address(host: str) -> Address | None:
    """The address a URL's host names literally, ``None`` for a name to resolve.

    Why numeric hosts in other forms are refused: resolvers read ``2130706433``, ``0x7f.1`` or
    ``0177.0.0.1`` as 127.0.0.1 (the old ``inet_aton`` forms, which the URL standard keeps);
    only the dotted-decimal form is accepted, so what is registered is what is reached.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]):
        raise WebhookRefused(
            f"{host} reads as an IPv4 address in an unusual form; write an address as four "
            "decimal numbers (203.0.113.7), or use a host name",
            code="invalid_webhook_url",
            field="url",
        )
    return None


@dataclass(frozen=True, slots=True)
class Reach:
    """Which addresses a subscription's deliveries may go to: public ones, the operator's
    ``allowed`` networks, and this machine (``loopback``) for a sandbox key's local receiver."""

    loopback: bool = False
    allowed: tuple[Network, ...] = ()

    @classmethod
    def of(cls, mode: Mode, allowed: tuple[Network, ...] = ()) -> Reach:
        """What a subscription in ``mode`` may reach."""
        return cls(loopback=mode is Mode.SANDBOX, allowed=allowed)

    def refusal(self, address: Address) -> str | None:
        """Why a delivery may not go to ``address`` ("a private address"), ``None`` if it may."""
        reached = _reached(address)
        if any(a in network for network in self.allowed for a in (address, reached)):
            return None
        if self.loopback and reached.is_loopback:
            return None
        return _special(reached)

    def check(self, host: str, address: Address) -> None:
        """Refuse ``address`` (what ``host`` names or resolves to) unless it may be reached."""
        why = self.refusal(address)
        if why is not None:
            shown = str(address) if host == str(address) else f"{host} ({address})"
            raise WebhookRefused(
                f"deliveries may not go to {shown}: it is {why}; webhooks go to public "
                "addresses only",
                code="webhook_address_refused",
                field="url",
                host=host,
                address=str(address),
            )


_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
"""RFC 1918's private networks and IPv6 unique local addresses (RFC 4193)."""


def _reached(address: Address) -> Address:
    """The IPv4 address an IPv6 ``address`` leads to, if it carries one (IPv4-mapped, NAT64,
    6to4); else ``address``."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if address.sixtofour is not None:
            return address.sixtofour
    return address


def _special(address: Address) -> str | None:
    """What kind of non-public address ``address`` is, ``None`` for a public one."""
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address in _SHARED:
        return "a carrier-grade NAT address"
    if address.is_multicast:
        return "a multicast address"
    if any(address in network for network in _PRIVATE):
        return "a private address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if (
        address.is_private
        or address.is_reserved
        or not address.is_global
        or any(address in network for network in _UNROUTED)
    ):
        return "a reserved or special-purpose address"
    return None


def _bad_port(url: str) -> bool:
    try:
        return urlsplit(url).port == 0
    except ValueError:
        return True


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
    allowed_networks: tuple[Network, ...] = ()
    """Networks deliveries may reach besides public addresses (an on-premise receiver)."""

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

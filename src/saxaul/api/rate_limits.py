"""Request rate limits: per caller on every route, per address and per account on sign-in.

Who is counted (OWASP API4, "unrestricted resource consumption"): the caller the auth
dependency has already resolved, so limiting costs no lookup of its own — an operator key
(by name), a participant (by user id, whichever of their tokens they use), a partner key (by
key id). A route without credentials counts its client address instead. The bulk event
routes are counted once more, per caller, by requests (``SAXAUL_RATE_LIMIT_BULK``).

Sign-in (OWASP API2; ASVS v4 2.2.1, the OWASP Authentication Cheat Sheet's "login
throttling"): ``POST /v1/auth/login`` and the partner sign-up ``POST /v1/partners`` are counted
per client address and per account name (the user id, the partner id) *before* the password
is checked, so every attempt counts, right or wrong, known account or not: the answer to a
guess never depends on whether the account exists.

How: the ``limits`` library's sliding-window counter (two counters per key and window, so an
exact-enough limit costs O(1) per request), kept in this process's memory or, with
``SAXAUL_RATE_LIMIT_STORAGE=redis://…``, in Redis shared by every process. A refused request is
``429 rate_limited`` with ``Retry-After`` (whole seconds) and the IETF draft ``RateLimit`` /
``RateLimit-Policy`` headers naming the policy that refused it.

The client address is the ASGI peer: behind a reverse proxy that is the proxy, unless the
server is told to trust its ``X-Forwarded-For`` (``SAXAUL_TRUSTED_PROXIES``, given to uvicorn
as ``--forwarded-allow-ips``); nobody is trusted by default.

Example: with ``SAXAUL_RATE_LIMIT_PARTICIPANT=120/minute`` a participant's 121st request within
a minute is answered ``429`` with ``Retry-After: 1`` or more; another participant is unaffected.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from saxaul.api.problems import RateLimitedError
from saxaul.config import Settings

logger = logging.getLogger(__name__)

SWEEP_S = 10.0
"""Seconds between two sweeps of expired in-memory counters (see ``SweptMemoryStorage``)."""
UNKNOWN_ADDRESS = "unknown"
"""The address of a request whose peer the server does not know (never under uvicorn)."""


class SweptMemoryStorage(MemoryStorage):
    """The library's in-memory storage, sweeping expired counters at most every ``SWEEP_S``.

    Why: ``limits``' async memory storage starts a sweep over every counter after any increment
    once the previous sweep has finished, so under steady load it walks all callers' counters
    on every request (3 ms per request at 24,000 counters, measured). Expired counters are
    already ignored when read; sweeping only frees their memory, which can wait seconds. The
    library's scheduling method is private, hence its mangled name here (the version is pinned,
    and ``test_rate_limits.py`` checks the library's own sweep never starts).
    """

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the library's name)
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_S
        wall = time.time()
        for key, expires in list(self.expirations.items()):
            if expires <= wall:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)


def open_storage(uri: str) -> Storage:
    """The counters' storage for ``SAXAUL_RATE_LIMIT_STORAGE``: ``memory://`` or ``redis://…``."""
    if uri.startswith("memory://"):
        return SweptMemoryStorage()
    storage = storage_from_string(f"async+{uri}", implementation="redispy", wrap_exceptions=True)
    assert isinstance(storage, Storage)
    return storage


@dataclass(frozen=True, slots=True)
class Policy:
    """A named set of limits, all of which a request must pass (e.g. per minute and per day)."""

    name: str
    limits: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, text: str) -> Policy:
        """``Policy.parse("sign-in", "5/minute;50/day")``; an empty text limits nothing."""
        return cls(name, tuple(parse_many(text)) if text.strip() else ())


class RateLimits:
    """Every policy of one app, and the counters they share; built once per app."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.enabled = settings.rate_limits
        self.storage = storage or open_storage(settings.rate_limit_storage)
        self._limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.callers = {
            "operator": Policy.parse("operator", settings.rate_limit_operator),
            "participant": Policy.parse("participant", settings.rate_limit_participant),
            "partner": Policy.parse("partner", settings.rate_limit_partner),
        }
        self.bulk = Policy.parse("bulk", settings.rate_limit_bulk)
        self.public = Policy.parse("public", settings.rate_limit_public)
        self.sign_in_address = Policy.parse("sign-in-address", settings.sign_in_per_address)
        self.sign_in_account = Policy.parse("sign-in-account", settings.sign_in_per_account)

    async def caller(self, request: Request, kind: str, identity: str) -> None:
        """Count a request of an authenticated caller; ``read_upload`` counts it once more."""
        request.state.rate_limit_caller = f"{kind}:{identity}"
        await self.check(self.callers[kind], kind, identity)

    async def bulk_request(self, request: Request) -> None:
        """Count a bulk upload against its caller (else its address)."""
        caller = getattr(request.state, "rate_limit_caller", None)
        await self.check(self.bulk, caller or f"address:{client_address(request)}")

    async def sign_in(self, request: Request, route: str, account: str) -> None:
        """Count a sign-in attempt per address and per account, whatever its outcome."""
        await self.check(self.sign_in_address, route, client_address(request))
        await self.check(self.sign_in_account, route, account)

    async def check(self, policy: Policy, *who: str) -> None:
        """Count one request against every limit of ``policy``; 429 when one is spent.

        Why a storage failure lets the request through (logged): the limits protect the
        service, and refusing everyone while Redis is away would take it down instead.
        """
        if not self.enabled:
            return
        for item in policy.limits:
            try:
                allowed = await self._limiter.hit(item, policy.name, *who)
                if allowed:
                    continue
                stats = await self._limiter.get_window_stats(item, policy.name, *who)
            except StorageError as exc:
                logger.warning("rate limit storage failed, request let through: %s", exc)
                return
            raise _refusal(policy, item, stats.reset_time)


def _refusal(policy: Policy, item: RateLimitItem, reset_time: float) -> RateLimitedError:
    """The 429 for ``item`` of ``policy``, retry time rounded up to a whole second."""
    retry_after = max(1, math.ceil(reset_time - time.time()))
    window = item.get_expiry()
    return RateLimitedError(
        f"too many requests: at most {item.amount} per {_window_text(window)} ({policy.name}); "
        f"retry in {retry_after} s",
        retry_after_s=retry_after,
        limit=item.amount,
        window_s=window,
        policy=policy.name,
        headers={
            "Retry-After": str(retry_after),
            "RateLimit-Policy": f'"{policy.name}";q={item.amount};w={window}',
            "RateLimit": f'"{policy.name}";r=0;t={retry_after}',
        },
    )


def _window_text(seconds: int) -> str:
    names = {1: "second", 60: "minute", 3600: "hour", 86_400: "day"}
    return names.get(seconds, f"{seconds} s")


def client_address(request: Request) -> str:
    """The peer's address as the server saw it (a trusted proxy's client, when configured)."""
    return request.client.host if request.client else UNKNOWN_ADDRESS


def rate_limits(request: Request) -> RateLimits:
    """The app's rate limits (``create_app`` builds them)."""
    limits: RateLimits = request.app.state.rate_limits
    return limits


async def limit_by_address(request: Request) -> None:
    """Count a request of a route without credentials against its client address."""
    limits = rate_limits(request)
    await limits.check(limits.public, client_address(request))


PUBLIC_LIMIT = Depends(limit_by_address)
"""Route guard for the routes without credentials: ``dependencies=[PUBLIC_LIMIT]``."""

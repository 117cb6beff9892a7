"""A short, bounded memory of credentials already checked, so a request need not read the store.

Why: every participant request presents a token and every operator request a key, and reading
the sessions or keys table for each one is a whole read transaction per request, often more
than the work the request asks for. A digest checked a moment ago is remembered for
``lifetime_us``; after that it is read again, so a credential revoked by another process (another
worker, the CLI) stops working at most ``lifetime_us`` later, while the process that revokes
evicts it at once. An entry never outlives the credential's own expiry, and only credentials
found valid are remembered, at most ``max_entries`` of them (the oldest go first), so a client
sending random tokens cannot make it grow.

A lifetime of 0 disables it: every check reads the store, as before.

Example: ``cache = AuthCache[str](lifetime_us=5_000_000, max_entries=10_000)``;
``cache.put(digest, "u1", now_us, expires_us)``; ``cache.get(digest, now_us)`` → ``"u1"`` until
``now_us`` passes either bound, then ``None``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    value: T
    until_us: int


@dataclass(slots=True)
class AuthCache(Generic[T]):
    """Digest → what it authenticates, each entry good until its own bound (thread-safe)."""

    lifetime_us: int = 0
    max_entries: int = 0
    _entries: dict[str, _Entry[T]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def enabled(self) -> bool:
        """Whether anything is remembered at all."""
        return self.lifetime_us > 0 and self.max_entries > 0

    def get(self, digest: str, now_us: int) -> T | None:
        """What ``digest`` authenticated, if checked less than a lifetime ago and not expired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if now_us >= entry.until_us:
            self.evict(digest)
            return None
        return entry.value

    def put(self, digest: str, value: T, now_us: int, expires_us: int | None = None) -> None:
        """Remember a credential just found valid, until a lifetime passes or it expires."""
        if not self.enabled:
            return
        until_us = now_us + self.lifetime_us
        if expires_us is not None:
            until_us = min(until_us, expires_us)
        with self._lock:
            self._entries.pop(digest, None)
            while len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[digest] = _Entry(value, until_us)

    def evict(self, digest: str) -> None:
        """Forget ``digest`` (it was revoked here, or its entry ran out)."""
        with self._lock:
            self._entries.pop(digest, None)

    def evict_where(self, revoked: Callable[[T], bool]) -> None:
        """Forget every digest whose value ``revoked`` picks (revoked by a name, not a digest)."""
        with self._lock:
            for digest in [d for d, e in self._entries.items() if revoked(e.value)]:
                del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)

"""Time is an argument: services ask an injected clock, tests pass a fake one.

Why: ripening, expiry, consent windows and import timestamps must be testable without sleeping,
and replayable exactly (TigerBeetle's "time is deterministic" rule).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Something that says what time it is, always timezone-aware (UTC)."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...


def to_us(instant: dt.datetime) -> int:
    """Microseconds since the Unix epoch, the unit stored in ``*_at_us`` columns."""
    delta = instant - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> dt.datetime:
    """The UTC instant of a ``*_at_us`` value."""
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)

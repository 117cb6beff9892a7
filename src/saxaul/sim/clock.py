"""A clock the demo sets to simulated instants, then lets run with real time while serving.

Why: the demo's events happen on fixed simulated days, so the forest game must be played on
those days (balls ripen and expire by the rules' hours, not by the wall clock), and the served
API must carry on from the last simulated instant so what a visitor sees is consistent.
"""

from __future__ import annotations

import datetime as dt
import time


class DemoClock:
    """``now()`` is the instant last ``set``, plus real time elapsed once ``run()`` is called."""

    def __init__(self, start: dt.datetime) -> None:
        self._instant = start
        self._running_since: float | None = None

    def set(self, instant: dt.datetime) -> None:
        """Jump to ``instant`` and stop (simulated time only moves when set)."""
        self._instant = instant
        self._running_since = None

    def run(self) -> None:
        """From now on, advance with real time from the current instant."""
        self._running_since = time.monotonic()

    def now(self) -> dt.datetime:
        """The simulated instant (UTC)."""
        if self._running_since is None:
            return self._instant
        return self._instant + dt.timedelta(seconds=time.monotonic() - self._running_since)

"""One simulated day of events as NDJSON, and its file import timed: the baseline the stream
and HTTP intake benchmarks set their figures beside.

Why one home: both compare their path with ``saxaul import`` of the same file on a fresh store,
so the day they write and the way the baseline is timed must be the same in both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from saxaul.services import imports, methodology, participants
from saxaul.services.runtime import Runtime
from saxaul.sim.scenario import write_scenario

SEED = 11


@dataclass(frozen=True, slots=True)
class Day:
    """The participants file, the day's events file, and how long the file import took."""

    people: Path
    events: Path
    import_seconds: float


def imported_day(rt: Runtime, out: Path, *, users: int, events: int) -> Day:
    """Write a day of ``events`` by ``users`` to ``out``, enrol them on ``rt`` and import the
    events file, timing the import alone."""
    people, day = write_scenario(
        out,
        users=users,
        events=events,
        days=1,
        seed=SEED,
        fmt="ndjson",
        behaviours=methodology.scored_behaviours(rt),
    )[:2]
    participants.import_participants(rt, people)
    began = time.perf_counter()
    imports.import_events(rt, day)
    return Day(people, day, time.perf_counter() - began)

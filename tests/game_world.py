"""Arranging a forest for game tests through the real services: people, friends, balls.

Balls come from real metro-ride events imported and scored under the shipped pack, then minted;
nothing is inserted behind the services' backs. Times follow the runtime's (fake) clock.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from saxaul.services import friends
from saxaul.services.balls import mint_balls
from saxaul.services.imports import import_event_body
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime

RIDE_G = 52
"""Energy of one metro ride under ant-forest-2017 (caps: 5 rides a day)."""
BUS_G = 80
"""Energy of one bus ride under ant-forest-2017 (no cap), for players rich enough to plant."""


def enrol(rt: Runtime, users: Iterable[str], tmp_path: Path) -> None:
    """Enrol ``users`` with scoring consent from 2026-01-01."""
    people = list(users)
    path = tmp_path / f"people-{len(people)}-{people[0]}.csv"
    pl.DataFrame(
        {
            "user_id": people,
            "enrolled_at": ["2026-01-01T00:00:00+08:00"] * len(people),
            "consent": ["true"] * len(people),
        }
    ).write_csv(path)
    import_participants(rt, path)


def befriend(rt: Runtime, a: str, b: str) -> None:
    """Make ``a`` and ``b`` friends (invite and accept)."""
    friends.invite(rt, a, b)
    friends.accept(rt, b, a)


def metro_rides(user: str, count: int, day: dt.date, tag: str = "") -> list[dict[str, object]]:
    """``count`` metro ride events of ``user`` on local ``day``, event ids unique by ``tag``."""
    return [
        {
            "event_id": f"{user}-{day.isoformat()}-{tag}{n}",
            "source": "transit",
            "user_id": user,
            "behaviour": "metro_ride",
            "occurred_at": f"{day.isoformat()}T08:{n:02d}:00+08:00",
            "quantity": 1,
        }
        for n in range(count)
    ]


def rides(rt: Runtime, user: str, count: int, day: dt.date, tag: str = "") -> None:
    """Import ``count`` metro rides of ``user`` on local ``day`` (one award of count × 52 g)."""
    events = metro_rides(user, count, day, tag)
    import_event_body(rt, json.dumps(events).encode(), "application/json", max_rows=10_000)


def balls_for(rt: Runtime, plan: dict[str, int], day: dt.date) -> int:
    """Give each user one ball of ``rides × 52 g`` for ``day`` and mint; returns balls minted."""
    for user, count in plan.items():
        rides(rt, user, count, day)
    return mint_balls(rt).balls


def bus_trip_event(user: str, trips: int, day: dt.date) -> dict[str, object]:
    """One event of ``trips`` bus rides of ``user`` on local ``day``."""
    return {
        "event_id": f"{user}-{day.isoformat()}-bus",
        "source": "transit",
        "user_id": user,
        "behaviour": "bus_ride",
        "occurred_at": f"{day.isoformat()}T18:00:00+08:00",
        "quantity": trips,
    }


def bus_trips(rt: Runtime, user: str, trips: int, day: dt.date) -> None:
    """Import one event of ``trips`` bus rides of ``user`` on local ``day`` (trips × 80 g)."""
    event = bus_trip_event(user, trips, day)
    import_event_body(rt, json.dumps([event]).encode(), "application/json", max_rows=10)

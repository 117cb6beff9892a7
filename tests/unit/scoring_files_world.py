"""A small event set that exercises every rule both scoring engines must agree on, as Parquet.

Users ``u00``–``u39`` over 2026-01-20 … 2026-03-10 (two month boundaries): walking steps past
the daily gram cap, offline payments past the daily count cap (some under the minimum amount),
metro rides past the daily count cap, utility bills with a monthly count cap and one bill per
account per month (``one_per``), hospital appointments with their visit time, UK rail trips
(Europe/London, the second zone), and an unknown behaviour. ``u05``–``u07`` withdraw consent
on 2026-02-10; ``u38`` and ``u39`` never consent. Times are spread over the whole day, so
local days differ from UTC days in both zones.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl

USERS = 40
START = dt.datetime(2026, 1, 20, tzinfo=dt.UTC)
DAYS = 50
CONSENT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
WITHDRAWN = dt.datetime(2026, 2, 10, 9, 30, tzinfo=dt.UTC)
BEHAVIOURS = (
    # behaviour, events per user, quantity range
    ("walking", 400, (2_000.0, 12_000.0)),
    ("offline_payment", 500, (1.0, 1.0)),
    ("metro_ride", 300, (1.0, 1.0)),
    ("utility_bill", 40, (1.0, 1.0)),
    ("hospital_appointment", 10, (1.0, 1.0)),
    ("uk_rail_km", 20, (0.5, 80.0)),
    ("teleport", 2, (1.0, 1.0)),
)


def world_events(seed: int = 7) -> pl.DataFrame:
    """The events (``dedupe_key`` shuffled, ``occurred_at`` a UTC timestamp)."""
    rng = np.random.default_rng(seed)
    frames = []
    for behaviour, per_user, (low, high) in BEHAVIOURS:
        n = per_user * USERS // 10  # heavy users: the first ten users get most events
        users = np.minimum(rng.zipf(1.5, size=n) - 1, USERS - 1)
        # bunch a behaviour's events on a few days, so daily caps are reached
        days = rng.integers(0, DAYS // 5, size=n) * 5
        seconds = rng.integers(0, 86_400, size=n)
        at = [
            START + dt.timedelta(days=int(d), seconds=int(s))
            for d, s in zip(days, seconds, strict=True)
        ]
        quantity = np.round(rng.uniform(low, high, size=n), 1)
        amount = np.where(rng.random(n) < 0.1, 50, rng.integers(100, 5_000, size=n))
        account = rng.integers(0, 3, size=n)
        attributes = [
            json.dumps({"account_number": f"acc-{a}"})
            if behaviour == "utility_bill"
            else json.dumps({"visited_at": (t - dt.timedelta(hours=2)).isoformat()})
            if behaviour == "hospital_appointment"
            else None
            for a, t in zip(account, at, strict=True)
        ]
        frames.append(
            pl.DataFrame(
                {
                    "user_id": [f"u{u:02d}" for u in users],
                    "behaviour": behaviour,
                    "occurred_at": at,
                    "quantity": quantity,
                    "amount_minor": amount,
                    "attributes": attributes,
                },
                schema_overrides={"occurred_at": pl.Datetime("us", "UTC"), "attributes": pl.String},
            )
        )
    events = pl.concat(frames)
    keys = rng.permutation(events.height).astype(np.int64) * 7_919 + 1_000_003
    return events.with_columns(dedupe_key=pl.Series(keys), credited_mg=pl.lit(52_000, pl.Int64))


def world_participants() -> pl.DataFrame:
    """Everyone but ``u38``/``u39`` consented; ``u05``–``u07`` withdraw mid-span."""
    users = [f"u{u:02d}" for u in range(USERS - 2)]
    return pl.DataFrame(
        {
            "user_id": users,
            "consent_at": [CONSENT] * len(users),
            "withdrawn_at": [WITHDRAWN if u in {"u05", "u06", "u07"} else None for u in users],
        },
        schema_overrides={
            "consent_at": pl.Datetime("us", "UTC"),
            "withdrawn_at": pl.Datetime("us", "UTC"),
        },
    )


def write_world(root: Path) -> tuple[Path, Path]:
    """The events as three plain Parquet files and the participants file; their paths."""
    events = root / "events"
    events.mkdir(parents=True)
    frame = world_events()
    for i, part in enumerate(frame.iter_slices(frame.height // 3 + 1)):
        part.write_parquet(events / f"part-{i}.parquet")
    participants = root / "participants.parquet"
    world_participants().write_parquet(participants)
    return events, participants

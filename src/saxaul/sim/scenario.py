"""Write a pilot scenario to files: participants plus one events file per day.

Days rotate through CSV, NDJSON and Parquet when ``fmt="mixed"`` so the demo exercises every
reader. ``bad_rows`` appends a small NDJSON file of good and deliberately broken events (a
naive timestamp, a negative quantity, an unknown behaviour, a broken JSON line, a missing user)
to show that refusals are specific and the good rows still go in.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

from saxaul.sim.behaviours import behaviour_events
from saxaul.sim.population import population

FORMATS = ("csv", "ndjson", "parquet")
START = dt.date(2026, 11, 2)


def write_frame(frame: pl.DataFrame, path: Path) -> Path:
    """Write ``frame`` in the format its file name's suffix names (parquet, ndjson, else csv)."""
    if path.suffix == ".parquet":
        frame.write_parquet(path)
    elif path.suffix == ".ndjson":
        frame.write_ndjson(path)
    else:
        frame.write_csv(path)
    return path


def bad_rows_file(path: Path, user_id: str) -> Path:
    """A few good events and one of each common mistake, as NDJSON (one object per line)."""
    good = {"source": "wallet", "user_id": user_id, "behaviour": "metro_ride", "quantity": 1}
    lines = [
        json.dumps(good | {"event_id": "late-1", "occurred_at": "2026-11-02T09:00:00+08:00"}),
        json.dumps(good | {"event_id": "late-2", "occurred_at": "2026-11-02 09:05:00"}),
        json.dumps(
            good
            | {"event_id": "late-3", "occurred_at": "2026-11-02T09:10:00+08:00", "quantity": -3}
        ),
        json.dumps(
            good
            | {
                "event_id": "late-4",
                "occurred_at": "2026-11-02T09:15:00+08:00",
                "behaviour": "teleport",
            }
        ),
        '{"event_id": "late-5", "source": "wallet", "user_id": ',
        json.dumps(
            good | {"event_id": "late-6", "occurred_at": "2026-11-02T09:20:00+08:00", "user_id": ""}
        ),
        json.dumps(good | {"event_id": "late-7", "occurred_at": "2026-11-02T19:40:00+08:00"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_scenario(
    out: Path,
    *,
    users: int,
    events: int,
    days: int,
    seed: int,
    fmt: str = "mixed",
    bad_rows: bool = False,
    behaviours: frozenset[str] | None = None,
    first_id: int = 1,
) -> list[Path]:
    """Participants file first, then the events files in day order; returns their paths.

    ``behaviours`` limits events to the ones a programme scores (default: every simulated one);
    ``first_id`` numbers the participants from there, after another population's.
    """
    out.mkdir(parents=True, exist_ok=True)
    people = population(users, seed=seed, start=START, first_id=first_id)
    written = [write_frame(people.drop("activity"), out / "participants.csv")]
    per_day = max(events // days, 1)
    for day in range(days):
        frame = behaviour_events(
            people,
            events=per_day,
            days=1,
            start=START + dt.timedelta(days=day),
            seed=seed + day,
            behaviours=behaviours,
        )
        suffix = FORMATS[day % len(FORMATS)] if fmt == "mixed" else fmt
        written.append(write_frame(frame, out / f"events-day{day + 1}.{suffix}"))
    if bad_rows:
        written.append(bad_rows_file(out / "events-late.ndjson", str(people["user_id"][0])))
    return written

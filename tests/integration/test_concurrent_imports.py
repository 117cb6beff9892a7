"""Two importers at once, with overlapping events: each event is stored and credited once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from saxaul.services import imports, participants
from saxaul.services.runtime import Runtime


def _bus_rides(path: Path, first: int, count: int) -> Path:
    """Bus rides have no cap, so totals cannot depend on which importer went first."""
    rows = [
        {
            "event_id": f"bus-{i}",
            "source": "transit",
            "user_id": f"p{i % 50:07d}",
            "behaviour": "bus_ride",
            "occurred_at": f"2026-11-02T{8 + i % 12:02d}:{i % 60:02d}:00+08:00",
        }
        for i in range(first, first + count)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_overlapping_concurrent_imports_count_each_event_once(
    runtime: Runtime, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    pl.DataFrame(
        {
            "user_id": [f"p{i:07d}" for i in range(50)],
            "enrolled_at": ["2026-01-01T00:00:00+08:00"] * 50,
            "consent": ["true"] * 50,
        }
    ).write_csv(people)
    participants.import_participants(runtime, people)
    files = [
        _bus_rides(tmp_path / "a.ndjson", 0, 6_000),
        _bus_rides(tmp_path / "b.ndjson", 3_000, 6_000),
    ]
    errors: list[BaseException] = []

    def run(path: Path) -> None:
        try:
            imports.import_events(runtime, path)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(path,)) for path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not errors
    with runtime.db.engine.connect() as conn:
        stored, energy = conn.execute(
            sa.text("SELECT COUNT(*), SUM(credited_mg) FROM events")
        ).one()
        awarded = conn.execute(sa.text("SELECT SUM(avoided_mg) FROM awards")).scalar_one()
    assert stored == 9_000
    assert energy == awarded == 9_000 * 80_000

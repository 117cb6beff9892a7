"""Through a real import on SQLite and PostgreSQL: one trip earns once, and ant-forest-2017's
rules hold across imports (a second bill for an account in a month, a visit not yet made)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.services import imports, participants
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock

RIDER = "p0000001"


def _enrol(rt: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(f"user_id,enrolled_at,consent\n{RIDER},2026-01-01T00:00:00+08:00,true\n")
    participants.import_participants(rt, path)


def _ndjson(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps({"user_id": RIDER} | r) + "\n" for r in rows), "utf-8")
    return path


def _events(rt: Runtime) -> list[tuple[str, str, str, int]]:
    with rt.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT event_id, behaviour, status, credited_mg FROM events ORDER BY event_id")
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _awards(rt: Runtime) -> list[tuple[str, str, int]]:
    with rt.db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT behaviour, pack_id, avoided_mg FROM awards"))
        return sorted(tuple(row) for row in rows)  # type: ignore[misc]


def test_one_trip_sent_under_both_transit_packs_earns_one_award(
    database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=database_url, activity_packs="metro_trip=shenzhen-public-transit-2021"
    )
    rt = bootstrap(settings, clock=clock)
    try:
        _enrol(rt, tmp_path)
        trip = {"occurred_at": "2026-11-02T08:00:00+08:00"}
        summary = imports.import_events(
            rt,
            _ndjson(
                tmp_path / "trip.ndjson",
                [
                    trip | {"source": "wallet", "event_id": "qr-1", "behaviour": "metro_ride"},
                    trip
                    | {"source": "sz", "event_id": "km-1", "behaviour": "metro_km", "quantity": 10},
                ],
            ),
        )

        assert (summary.new_events, summary.rejected, summary.awards) == (1, 1, 1)
        assert summary.rejections[0]["code"] == "unknown_behaviour"
        assert _awards(rt) == [("metro_km", "shenzhen-public-transit-2021", 467_000)]
    finally:
        rt.db.dispose()


def test_a_second_bill_and_an_early_visit_earn_nothing_across_imports(
    runtime: Runtime, tmp_path: Path
) -> None:
    _enrol(runtime, tmp_path)
    bill = {"source": "wallet", "behaviour": "utility_bill", "amount_minor": 10_000}
    first = _ndjson(
        tmp_path / "day1.ndjson",
        [
            bill
            | {
                "event_id": "bill-1",
                "occurred_at": "2026-11-02T09:00:00+08:00",
                "attributes": {"account_number": "4401-7788"},
            },
            {
                "source": "health",
                "event_id": "visit-1",
                "behaviour": "hospital_appointment",
                "occurred_at": "2026-11-02T10:00:00+08:00",
                "attributes": {"visited_at": "2026-11-03T09:00:00+08:00"},
            },
        ],
    )
    second = _ndjson(
        tmp_path / "day3.ndjson",
        [
            bill
            | {
                "event_id": "bill-2",
                "occurred_at": "2026-11-04T09:00:00+08:00",
                "attributes": {"account_number": "4401-7788"},
            },
            {
                "source": "health",
                "event_id": "visit-2",
                "behaviour": "hospital_appointment",
                "occurred_at": "2026-11-04T10:00:00+08:00",
                "attributes": {"visited_at": "2026-11-03T09:00:00+08:00"},
            },
        ],
    )
    one = imports.import_events(runtime, first)
    two = imports.import_events(runtime, second)

    assert (one.scored, one.ineligible, two.scored, two.ineligible) == (1, 1, 1, 1)
    assert _events(runtime) == [
        ("bill-1", "utility_bill", "scored", 262_000),
        ("bill-2", "utility_bill", "already_claimed", 0),
        ("visit-1", "hospital_appointment", "too_early", 0),
        ("visit-2", "hospital_appointment", "scored", 277_000),
    ]
    assert _awards(runtime) == [
        ("hospital_appointment", "ant-forest-2017", 277_000),
        ("utility_bill", "ant-forest-2017", 262_000),
    ]

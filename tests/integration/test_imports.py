"""Exactly-once import on SQLite and PostgreSQL: re-imports, bad rows, caps, consent."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from saxaul.services import import_runs, imports, methodology, participants, quarantine
from saxaul.services.runtime import Runtime
from saxaul.sim.scenario import write_scenario
from tests.integration.totals import snapshot

EVENT = {
    "source": "wallet",
    "user_id": "p0000001",
    "behaviour": "metro_ride",
    "quantity": 1,
}


def _enrol(rt: Runtime, tmp_path: Path, *users: str, consent: str = "true") -> None:
    path = tmp_path / f"people-{len(list(tmp_path.iterdir()))}.csv"
    pl.DataFrame(
        {
            "user_id": list(users),
            "enrolled_at": ["2026-01-01T00:00:00+08:00"] * len(users),
            "consent": [consent] * len(users),
            "gender": ["female"] * len(users),
            "birth_year": [1990] * len(users),
            "province": ["Guangdong"] * len(users),
        }
    ).write_csv(path)
    participants.import_participants(rt, path)


def _ndjson(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _rides(first: int, count: int, day: str = "2026-11-02") -> list[dict[str, object]]:
    return [
        EVENT | {"event_id": f"m{i}", "occurred_at": f"{day}T08:{i:02d}:00+08:00"}
        for i in range(first, first + count)
    ]


def test_importing_everything_twice_changes_no_total(runtime: Runtime, tmp_path: Path) -> None:
    files = write_scenario(
        tmp_path / "data",
        users=300,
        events=6_000,
        days=3,
        seed=5,
        behaviours=methodology.scored_behaviours(runtime),
    )
    participants.import_participants(runtime, files[0])
    first = [imports.import_events(runtime, path) for path in files[1:]]
    before = snapshot(runtime.db.engine)
    second = [imports.import_events(runtime, path) for path in files[1:]]

    assert snapshot(runtime.db.engine) == before
    assert sum(s.new_events for s in first) == before["events"][0][0] > 5_000
    assert all(s.new_events == 0 and s.energy_g == 0 for s in second)
    assert [s.duplicates for s in second] == [s.rows_read for s in second]
    assert sum(s.energy_g for s in first) == before["awards"][0][2] > 0


def test_bad_rows_are_quarantined_and_good_rows_go_in(runtime: Runtime, tmp_path: Path) -> None:
    _enrol(runtime, tmp_path, "p0000001")
    from saxaul.sim.scenario import bad_rows_file

    summary = imports.import_events(runtime, bad_rows_file(tmp_path / "late.ndjson", "p0000001"))

    assert (summary.new_events, summary.rejected) == (2, 5)
    rows, total = quarantine.list_quarantine(runtime, import_id=summary.import_id)
    assert total == 5
    by_line = {r.line: r.code for r in rows}
    assert by_line == {
        2: "invalid_timestamp",
        3: "invalid_value",
        4: "unknown_behaviour",
        5: "malformed_row",
        6: "missing_field",
    }
    assert all(r.reason for r in rows)
    again = imports.import_events(runtime, tmp_path / "late.ndjson")
    assert quarantine.list_quarantine(runtime, import_id=summary.import_id)[1] == 5
    assert again.new_events == 0


def test_daily_caps_hold_across_batches(runtime: Runtime, tmp_path: Path) -> None:
    _enrol(runtime, tmp_path, "p0000001")
    one = imports.import_events(runtime, _ndjson(tmp_path / "a.ndjson", _rides(0, 3)))
    two = imports.import_events(runtime, _ndjson(tmp_path / "b.ndjson", _rides(3, 5)))
    next_day = imports.import_events(
        runtime, _ndjson(tmp_path / "c.ndjson", _rides(10, 2, day="2026-11-03"))
    )

    assert (one.energy_g, two.energy_g, next_day.energy_g) == (3 * 52, 2 * 52, 2 * 52)


def test_events_without_consent_are_kept_not_scored(runtime: Runtime, tmp_path: Path) -> None:
    _enrol(runtime, tmp_path, "p0000002", consent="false")
    rows = [r | {"user_id": "p0000002"} for r in _rides(0, 2)] + [
        r | {"user_id": "nobody"} for r in _rides(5, 1)
    ]
    summary = imports.import_events(runtime, _ndjson(tmp_path / "n.ndjson", rows))

    assert (summary.new_events, summary.no_consent, summary.scored, summary.energy_g) == (
        3,
        3,
        0,
        0,
    )


def test_opt_out_stops_scoring_from_that_moment(runtime: Runtime, tmp_path: Path) -> None:
    _enrol(runtime, tmp_path, "p0000001")
    participants.opt_out(runtime, "p0000001")  # the fake clock says 2026-11-05 12:00 UTC
    before = _rides(0, 1, day="2026-11-04")
    after = [r | {"event_id": "late"} for r in _rides(0, 1, day="2026-11-06")]
    summary = imports.import_events(runtime, _ndjson(tmp_path / "o.ndjson", before + after))
    assert (summary.scored, summary.no_consent) == (1, 1)


def test_resending_an_id_with_other_fields_is_a_conflict(runtime: Runtime, tmp_path: Path) -> None:
    _enrol(runtime, tmp_path, "p0000001")
    imports.import_events(runtime, _ndjson(tmp_path / "x.ndjson", _rides(0, 2)))
    changed = [r | {"quantity": 2} for r in _rides(0, 1)] + _rides(1, 1) + _rides(7, 1)
    summary = imports.import_events(runtime, _ndjson(tmp_path / "y.ndjson", changed))

    assert (summary.new_events, summary.duplicates, summary.rejected) == (1, 1, 1)
    rows, _ = quarantine.list_quarantine(runtime, import_id=summary.import_id)
    assert [(r.line, r.code) for r in rows] == [(1, "exists_with_different_payload")]
    with runtime.db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT quantity FROM events WHERE event_id = 'm0'"))
        assert stored.scalar_one() == 1.0


# Each row of a stored event's key is judged against what is stored, as if it came in its own
# chunk: a re-send equal to the stored event is a duplicate, any other is refused, whatever the
# chunk's earlier rows hold. A key not stored keeps the in-chunk rule: the first row wins.
P, P2, P3 = {"quantity": 1}, {"quantity": 2}, {"quantity": 3}
EXISTS, IN_BATCH = "exists_with_different_payload", "duplicate_in_batch"
CONFLICT_CASES = {
    "conflicting then exact": (True, [P2, P], (0, 1, 1), [(1, EXISTS)]),
    "exact then conflicting": (True, [P, P2], (0, 1, 1), [(2, EXISTS)]),
    "two conflicting": (True, [P2, P3], (0, 0, 2), [(1, EXISTS), (2, EXISTS)]),
    "one conflicting twice": (True, [P2, P2], (0, 0, 2), [(1, EXISTS), (2, EXISTS)]),
    "not stored: first wins": (False, [P, P2], (1, 0, 1), [(2, IN_BATCH)]),
    "not stored: exact repeat": (False, [P, P], (1, 1, 0), []),
}


@pytest.mark.parametrize("path", ["file", "body"])
@pytest.mark.parametrize("case", list(CONFLICT_CASES))
def test_a_stored_events_resends_in_one_chunk_are_each_judged_against_the_store(
    runtime: Runtime, tmp_path: Path, case: str, path: str
) -> None:
    stored, payloads, counters, refused = CONFLICT_CASES[case]
    _enrol(runtime, tmp_path, "p0000001")
    if stored:
        imports.import_events(runtime, _ndjson(tmp_path / "first.ndjson", _rides(0, 1)))
    rows = [r | payload for payload in payloads for r in _rides(0, 1)]
    sent = _ndjson(tmp_path / "again.ndjson", rows)
    if path == "file":
        summary = imports.import_events(runtime, sent)
    else:
        summary = imports.import_event_body(
            runtime, sent.read_bytes(), "application/x-ndjson", max_rows=10
        )

    assert (summary.new_events, summary.duplicates, summary.rejected) == counters
    quarantined, _ = quarantine.list_quarantine(runtime, import_id=summary.import_id)
    assert sorted((r.line, r.code) for r in quarantined) == refused
    with runtime.db.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT quantity FROM events WHERE event_id = 'm0'"))
        assert kept.scalar_one() == 1.0


def test_a_done_participants_import_lists_every_row_committed(
    runtime: Runtime, tmp_path: Path
) -> None:
    users = [f"p{i:07d}" for i in range(2_500)]  # three chunks of at most 1,000
    _enrol(runtime, tmp_path, *users)

    [listed] = import_runs.list_imports(runtime)
    assert (listed.kind, listed.status, listed.rows_committed) == ("participants", "done", 2_500)


def test_another_import_between_chunks_leaves_caps_exact(runtime: Runtime, tmp_path: Path) -> None:
    """Cap usage carried between chunks must not miss another run's usage: SQLite sees the
    other commit and scores against the store; PostgreSQL keeps the other run out until the
    end."""
    _enrol(runtime, tmp_path, "p0000001")
    filler = [
        EVENT | {"event_id": f"f{i}", "user_id": "nobody", "occurred_at": "2026-11-02T07:00:00Z"}
        for i in range(998)
    ]
    first = _ndjson(tmp_path / "a.ndjson", [*_rides(0, 2), *filler, *_rides(2, 2)])
    other = _ndjson(tmp_path / "b.ndjson", [r | {"source": "other"} for r in _rides(10, 2)])
    done: list[imports.ImportSummary] = []
    thread = threading.Thread(target=lambda: done.append(imports.import_events(runtime, other)))

    def between_chunks(_rows: int) -> None:
        if not thread.is_alive() and not done:
            thread.start()
            if runtime.db.url.startswith("sqlite"):
                thread.join()  # SQLite: it commits between this run's chunks

    summary = imports.import_events(runtime, first, progress=between_chunks)
    thread.join()

    assert summary.energy_g + done[0].energy_g == 5 * 52  # metro rides: five a day
    with runtime.db.engine.connect() as conn:
        counted = conn.execute(sa.text("SELECT counted FROM cap_usage")).scalar()
    assert counted == 5

"""PostgreSQL's partitioned store (migration 0014, ``store.partitions``): built from a store full
of real rows with every row kept, identities still global, closed months archived and dropped
with the ledger exact; SQLite is left as it was.

Why a world made by the real services and then taken down to 0013: the rows 0014 migrates are
then exactly what the code before it wrote (imports, awards, minted balls, a steal and a
collect), not what a test imagines it wrote.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.errors import InputRejected
from saxaul.reports.archive import verified_month_rows
from saxaul.services import ledger_audit
from saxaul.services.balls import mint_balls
from saxaul.services.imports import import_event_body
from saxaul.services.partitions import archive_partitions, ensure_partitions, list_partitions
from saxaul.services.runtime import Runtime
from saxaul.store.migrate import alembic_config, upgrade
from tests.conftest import FakeClock
from tests.game_world import metro_rides
from tests.integration.test_impact_report import world

TABLES = {
    "events": "dedupe_key",
    "awards": "id",
    "ledger_transfers": "seq",
    "ledger_accounts": "id",
    "balls": "id",
}


@pytest.fixture
def pg_runtime(pg_url: str, clock: FakeClock) -> Iterator[Runtime]:
    rt = bootstrap(Settings(database_url=pg_url, chunk_rows=1_000), clock=clock)
    yield rt
    rt.db.dispose()


def _snapshot(rt: Runtime) -> dict[str, list[tuple[object, ...]]]:
    with rt.db.engine.connect() as conn:
        return {
            table: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {key}")]
            for table, key in TABLES.items()
        }


def _kind(rt: Runtime, table: str) -> str:
    with rt.db.engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT relkind FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                {"t": table},
            ).scalar_one()
        )


def _count(rt: Runtime, sql: str) -> int:
    with rt.db.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar_one())


def _send(rt: Runtime, events: list[dict[str, object]]) -> tuple[int, int]:
    summary = import_event_body(
        rt, json.dumps(events).encode(), "application/json", max_rows=10_000
    )
    return summary.new_events, summary.duplicates


def test_0014_keeps_every_row_sum_and_balance_and_the_app_works_on_it(
    pg_runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    rt = pg_runtime
    world(rt, tmp_path, clock)
    audit_before = ledger_audit.audit(rt)  # the code is 0014's: it audits before going down
    config = alembic_config(rt.db.engine)
    with rt.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    assert _kind(rt, "events") == "r", "0013's schema: plain tables"
    before = _snapshot(rt)
    assert before["events"] and before["awards"] and len(before["ledger_transfers"]) >= 3

    upgrade(rt.db.engine)

    assert {_kind(rt, t) for t in ("events", "awards", "ledger_transfers")} == {"p"}
    assert _snapshot(rt) == before, "every row of every table is kept, to the last column"
    audit_after = ledger_audit.audit(rt)
    assert audit_after.ok and audit_after.by_kind == audit_before.by_kind
    assert audit_after.transfers == audit_before.transfers
    assert _count(rt, "SELECT count(*) FROM event_keys") == len(before["events"])
    assert _count(rt, "SELECT count(*) FROM ledger_transfer_ids") == len(before["ledger_transfers"])
    # the events' months (September to November) each got a partition of their own
    names = {p.name: p.rows for p in list_partitions(rt)}
    assert names["events_p202609"] == 1 and names["events_p202610"] == 3
    assert names["events_default"] == 0 and names["ledger_transfers_default"] >= 3

    # the app works on it: new rides are imported and minted, a re-send is a duplicate
    last_award = max(row[0] for row in before["awards"])
    assert _send(rt, metro_rides("a1", 2, dt.date(2026, 11, 5), "new")) == (2, 0)
    assert _send(rt, metro_rides("a1", 2, dt.date(2026, 10, 5))[::-1]) == (0, 2)
    assert mint_balls(rt).balls == 1
    assert _count(rt, "SELECT max(id) FROM awards") == last_award + 1
    assert ledger_audit.audit(rt).ok


def test_identities_stay_global_across_partitions(pg_runtime: Runtime) -> None:
    """A key stored in one month is refused in another: the old primary keys' promise."""
    event = (
        "INSERT INTO events (dedupe_key, source, event_id, user_id, behaviour, occurred_at_us, "
        "quantity, payload_hash, import_id, status, day, raw_mg, credited_mg) "
        "VALUES (7, 's', 'e', 'u', 'b', 0, 1, 0, 1, 'scored', {day}, 0, 0)"
    )
    transfer = (
        "INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_g, kind, at_us, "
        "reference) VALUES ('t-1', 'issuance', 'user:u', 5, 'award', {at}, 'r')"
    )
    with pg_runtime.db.engine.begin() as conn:
        conn.exec_driver_sql(event.format(day=dt.date(2026, 10, 5).toordinal()))
        conn.exec_driver_sql(transfer.format(at=1_780_000_000_000_000))
    for sql in (
        event.format(day=dt.date(2027, 3, 1).toordinal()),
        transfer.format(at=1_790_000_000_000_000),  # a retry stamped later: still the same id
    ):
        with pytest.raises(sa.exc.IntegrityError), pg_runtime.db.engine.begin() as conn:
            conn.exec_driver_sql(sql)


def test_two_sessions_racing_one_key_into_two_months_store_it_once(pg_runtime: Runtime) -> None:
    """The identity table's key is taken inside the inserting transaction: a second session
    inserting the same transfer id (another month) waits for the first and then fails."""
    transfer = (
        "INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_g, kind, at_us, "
        "reference) VALUES ('race', 'issuance', 'user:u', 5, 'award', {at}, 'r')"
    )
    outcome: list[str] = []

    def second() -> None:
        try:
            with pg_runtime.db.engine.begin() as conn:
                conn.exec_driver_sql(transfer.format(at=1_790_000_000_000_000))
            outcome.append("stored")
        except sa.exc.IntegrityError:
            outcome.append("refused")

    with pg_runtime.db.engine.begin() as conn:
        conn.exec_driver_sql(transfer.format(at=1_780_000_000_000_000))
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive(), "the second session waits on the first's uncommitted key"
    racer.join()
    assert outcome == ["refused"]
    assert _count(pg_runtime, "SELECT count(*) FROM ledger_transfers WHERE id = 'race'") == 1


def test_closed_months_are_archived_dropped_and_the_ledger_stays_exact(
    pg_runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    rt = pg_runtime
    world(rt, tmp_path, clock)
    made = ensure_partitions(rt)
    assert "ledger_transfers_p202611" in made and "events_p202702" in made
    assert ensure_partitions(rt) == [], "made once"
    audit_before = ledger_audit.audit(rt)
    cached = _snapshot(rt)["ledger_accounts"]
    last_award = _count(rt, "SELECT max(id) FROM awards")
    with pytest.raises(InputRejected, match="closed months"):
        archive_partitions(rt, tmp_path / "archive", dt.date(2026, 12, 1))

    clock.advance(days=30)  # December: November is closed
    done = archive_partitions(rt, tmp_path / "archive", dt.date(2026, 12, 1))

    assert set(done.dropped) >= {
        "events_p202609",
        "events_p202610",
        "events_p202611",
        "awards_p202611",
        "ledger_transfers_p202611",
    }
    assert _count(rt, "SELECT count(*) FROM events") == 0
    assert _count(rt, "SELECT count(*) FROM ledger_transfers") == 0
    assert _count(rt, "SELECT count(*) FROM ledger_openings") > 0
    audit_after = ledger_audit.audit(rt)
    assert audit_after.ok, audit_after.problems
    assert audit_after.by_kind == audit_before.by_kind, "every balance, from its opening"
    assert _snapshot(rt)["ledger_accounts"] == cached
    manifest = json.loads((tmp_path / "archive" / "manifest.json").read_text())
    assert manifest["tables"]["events"]["months"] == {"2026-09": 1, "2026-10": 3, "2026-11": 8}

    # archived events sent again are still duplicates; the next award id is still new
    assert _send(rt, metro_rides("a3", 3, dt.date(2026, 11, 4))[::-1]) == (0, 3)
    assert _send(rt, metro_rides("a3", 1, dt.date(2026, 12, 5))) == (1, 0)
    assert _count(rt, "SELECT min(id) FROM awards") == last_award + 1


def test_a_changed_archive_file_stops_the_drop(
    pg_runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    rt = pg_runtime
    world(rt, tmp_path, clock)
    clock.advance(days=30)
    archive = tmp_path / "archive"
    archive_partitions(rt, archive, dt.date(2026, 10, 1))  # September only
    (part,) = (archive / "events" / "month=2026-09").iterdir()
    part.write_bytes(part.read_bytes() + b"x")
    with pytest.raises(InputRejected, match="differs from its manifest"):
        verified_month_rows(archive, "events", "2026-09")


def test_sqlite_is_not_partitioned(tmp_path: Path, clock: FakeClock) -> None:
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'saxaul.db'}"), clock=clock)
    try:
        assert ensure_partitions(rt) == [] and list_partitions(rt) == []
        done = archive_partitions(rt, tmp_path / "unused", dt.date(2026, 11, 1))
    finally:
        rt.db.dispose()
    assert dataclasses.astuple(done) == (dt.date(2026, 11, 1), {})
    assert not (tmp_path / "unused").exists(), "nothing exported: nothing to drop"

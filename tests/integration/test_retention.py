"""Raw-event retention on both stores: old events lose their payment details (and keep what
their awards' provenance needs), old quarantined rows go, newer ones stay; a rerun does nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select

from saxaul.services.imports import import_event_body
from saxaul.services.retention import run_retention
from saxaul.services.runtime import Runtime
from saxaul.store.tables import events, quarantine
from tests.conftest import FakeClock
from tests.game_world import enrol, metro_rides


def _paid(user: str, day: dt.date, tag: str) -> tuple[bytes, bytes]:
    rides = [
        r | {"amount_minor": 300, "currency": "CNY", "merchant_category": "4111"}
        for r in metro_rides(user, 2, day, tag)
    ]
    refused = rides[0] | {"event_id": f"{tag}-bad", "quantity": "lots"}
    return json.dumps(rides).encode(), json.dumps([refused]).encode()


def test_retention_strips_old_events_and_deletes_old_quarantine_once(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    rt = dataclasses.replace(runtime, raw_event_retention_days=30)
    enrol(rt, ["u1"], tmp_path)
    old_day = clock.now().date() - dt.timedelta(days=40)
    for body in _paid("u1", old_day, "old"):
        import_event_body(rt, body, "application/json", max_rows=10)
    clock.advance(days=35)  # the old quarantined rows are now past the window too
    for body in _paid("u1", clock.now().date(), "new"):
        import_event_body(rt, body, "application/json", max_rows=10)

    done = run_retention(rt, chunk_rows=1)

    assert (done.events_stripped, done.quarantine_deleted) == (2, 1)
    with rt.db.reading() as conn:
        rows = conn.execute(
            select(
                events.c.event_id,
                events.c.amount_minor,
                events.c.merchant_category,
                events.c.behaviour,
                events.c.quantity,
            )
        ).all()
        kept = conn.execute(select(quarantine.c.raw)).scalars().all()
    for event_id, amount, merchant, behaviour, quantity in rows:
        old = "-old" in event_id
        assert (amount, merchant) == ((None, None) if old else (300, "4111")), event_id
        assert (behaviour, quantity) == ("metro_ride", 1.0), "provenance is kept"
    assert len(kept) == 1 and "new-bad" in kept[0]
    assert run_retention(rt) == dataclasses.replace(done, events_stripped=0, quarantine_deleted=0)

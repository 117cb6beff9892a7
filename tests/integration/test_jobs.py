"""The scheduled jobs a server runs itself: one scheduler per database, balls on the clock."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.jobs import Scheduler
from saxaul.services.balls import JobResult
from saxaul.services.orders import OrdersCreated
from saxaul.services.runtime import Runtime
from saxaul.store.tables import balls
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, enrol, rides

DAY = dt.date(2026, 11, 4)
NO_ORDERS = {"orders": OrdersCreated(0, 0)}
"""No promised tree is owed in these worlds, so the orders job batches nothing."""


def _balls(rt: Runtime) -> int:
    with rt.db.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(balls)).scalar_one())


def test_of_two_schedulers_on_one_database_only_one_runs_the_jobs(
    runtime: Runtime, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    other_server = bootstrap(Settings(database_url=database_url), clock=clock)
    first, second = Scheduler(runtime, 60), Scheduler(other_server, 60)
    enrol(runtime, ["u1"], tmp_path)
    rides(runtime, "u1", 2, DAY)
    try:
        ran = first.tick()
        assert second.tick() is None, "the second server must stand by while the first runs"
        assert ran is not None and ran["mint"] == JobResult(1, 2 * RIDE_G)
        assert first.tick() is not None, "the holder keeps the lock from tick to tick"
        assert second.tick() is None

        first.stop()
        rides(runtime, "u1", 1, DAY + dt.timedelta(days=1))
        took_over = second.tick()
        assert took_over is not None and took_over["mint"] == JobResult(1, RIDE_G)
        assert first.tick() is None, "a stopped holder's place is taken"
    finally:
        first.stop()
        second.stop()
        other_server.db.dispose()
    assert _balls(runtime) == 2


def test_the_jobs_mint_new_awards_and_expire_balls_as_the_clock_moves(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    scheduler = Scheduler(runtime, 60)
    enrol(runtime, ["u1", "u2"], tmp_path)
    rides(runtime, "u1", 3, DAY)
    rides(runtime, "u2", 1, DAY)
    try:
        first = scheduler.tick()
        assert first is not None
        made = first.pop("partitions")
        assert made if not runtime.db.one_writer else made == [], "PostgreSQL makes months"
        assert first == {"mint": JobResult(2, 4 * RIDE_G), "expire": JobResult(0, 0)} | NO_ORDERS
        assert _balls(runtime) == 2

        lifetime = runtime.rules.ripening_delay + runtime.rules.expiry_after_ripe
        clock.advance(seconds=lifetime.total_seconds() - 3600)
        assert _later(scheduler) == {"mint": JobResult(0, 0), "expire": JobResult(0, 0)} | NO_ORDERS
        clock.advance(hours=1)
        assert (
            _later(scheduler)
            == {"mint": JobResult(0, 0), "expire": JobResult(2, 4 * RIDE_G)} | NO_ORDERS
        )
    finally:
        scheduler.stop()


def _scheduler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "saxaul-jobs"]


def test_the_served_app_runs_the_jobs_unless_told_not_to(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'served.db'}")
    rt = bootstrap(settings)
    enrol(rt, ["u1"], tmp_path)
    rides(rt, "u1", 2, DAY)

    with TestClient(create_app(settings.model_copy(update={"jobs": False}))):
        assert not _scheduler_threads()
    with TestClient(create_app(settings)):
        assert len(_scheduler_threads()) == 1
        deadline = time.monotonic() + 30
        while _balls(rt) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _balls(rt) == 1, "the first tick runs as the server starts"
    assert not _scheduler_threads(), "the scheduler stops with the server"
    rt.db.dispose()


def _later(scheduler: Scheduler) -> dict[str, object]:
    """A tick's results but the partitions it made (a later tick may reach a new month)."""
    ran = scheduler.tick()
    assert ran is not None
    ran.pop("partitions")
    return dict(ran)

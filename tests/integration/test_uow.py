"""Units of work on SQLite and PostgreSQL: commit, roll back, play again after a lost race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.errors import Conflict
from saxaul.services.runtime import Runtime
from saxaul.store import auth_repo
from saxaul.store.uow import RETRIES, WriteUnitOfWork
from tests.conftest import FakeClock


def _named(rt: Runtime, name: str) -> bool:
    with rt.db.reading() as uow:
        return auth_repo.api_key_named(uow, name)


def test_a_unit_of_work_that_lost_a_race_is_played_again_from_scratch(runtime: Runtime) -> None:
    runtime.db.write(lambda uow: auth_repo.insert_api_key(uow, "taken", "h0", "operator", 0))
    attempts: list[int] = []

    def work(uow: WriteUnitOfWork) -> str:
        attempts.append(len(attempts) + 1)
        # written by both attempts: only possible if the first was rolled back whole
        auth_repo.insert_api_key(uow, "each-attempt", f"a{len(attempts)}", "operator", 0)
        name = "taken" if len(attempts) == 1 else "fresh"  # the first attempt loses a race
        auth_repo.insert_api_key(uow, name, f"b{len(attempts)}", "operator", 0)
        return name

    assert runtime.db.write(work) == "fresh"
    assert attempts == [1, 2]
    assert _named(runtime, "each-attempt") and _named(runtime, "fresh")


def test_a_race_lost_every_time_gives_up_after_the_bound(runtime: Runtime) -> None:
    runtime.db.write(lambda uow: auth_repo.insert_api_key(uow, "taken", "h0", "operator", 0))
    attempts: list[int] = []

    def work(uow: WriteUnitOfWork) -> None:
        attempts.append(1)
        auth_repo.insert_api_key(uow, "taken", f"h{len(attempts)}", "operator", 0)

    with pytest.raises(IntegrityError):
        runtime.db.write(work)
    assert len(attempts) == RETRIES


def test_a_refusal_rolls_back_at_once_and_is_not_retried(runtime: Runtime) -> None:
    attempts: list[int] = []

    def work(uow: WriteUnitOfWork) -> None:
        attempts.append(1)
        auth_repo.insert_api_key(uow, "half-done", "h1", "operator", 0)
        raise Conflict("refused after a write")

    with pytest.raises(Conflict):
        runtime.db.write(work)
    assert attempts == [1]
    assert not _named(runtime, "half-done")


def test_sqlite_write_units_of_work_read_under_the_write_lock(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Read-modify-write from many threads loses no update: each unit of work holds the write
    lock from its first read, not from its first write."""
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'uow.db'}"), clock=clock)
    threads, bumps = 8, 10

    def bump(uow: WriteUnitOfWork) -> None:
        seen = int(auth_repo.password_hash(uow, "counter") or "0")
        auth_repo.save_password_hash(uow, "counter", str(seen + 1), 0)

    def player() -> None:
        for _ in range(bumps):
            rt.db.write(bump)

    workers = [threading.Thread(target=player) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    try:
        with rt.db.reading() as uow:
            assert auth_repo.password_hash(uow, "counter") == str(threads * bumps)
    finally:
        rt.db.dispose()

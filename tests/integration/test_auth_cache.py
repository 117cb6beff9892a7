"""Tokens and keys checked a moment ago are trusted without a read, within bounds that hold.

Each test runs on both stores (the shared ``runtime`` fixture, built by ``bootstrap`` with the
default ``SAXAUL_AUTH_CACHE_S``) and counts the statements that reach the database, so
"served from memory" means exactly that. A second runtime on the same database stands for
another server worker.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.errors import Unauthorised
from saxaul.services.api_keys import authenticate, create_api_key, revoke_api_key
from saxaul.services.participant_auth import (
    PREFIX,
    authenticate_participant,
    issue_token,
    logout,
)
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock

LIFETIME_S = Settings().auth_cache_s


class StatementCount:
    """How many statements ``rt``'s engine has sent since this was made."""

    def __init__(self, rt: Runtime) -> None:
        self.count = 0
        sa.event.listen(rt.db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


@pytest.fixture
def user(runtime: Runtime, tmp_path: Path) -> str:
    path = tmp_path / "people.csv"
    pl.DataFrame(
        {"user_id": ["u1"], "enrolled_at": ["2026-01-01T00:00:00+08:00"], "consent": ["true"]}
    ).write_csv(path)
    import_participants(runtime, path)
    return "u1"


@pytest.fixture
def other_worker(database_url: str, clock: FakeClock, runtime: Runtime) -> Iterator[Runtime]:
    """Another process's runtime on the same (already migrated) database, on the same clock."""
    rt = bootstrap(Settings(database_url=database_url), clock=clock)
    yield rt
    rt.db.dispose()


def test_a_token_checked_a_moment_ago_is_served_without_a_read(runtime: Runtime, user: str) -> None:
    token = issue_token(runtime, user).token
    assert authenticate_participant(runtime, token).user_id == user
    statements = StatementCount(runtime)

    for _ in range(3):
        assert authenticate_participant(runtime, token).user_id == user

    assert statements.count == 0


def test_logout_refuses_the_token_at_once_in_the_process_that_ended_it(
    runtime: Runtime, user: str
) -> None:
    token = issue_token(runtime, user).token
    authenticate_participant(runtime, token)

    logout(runtime, token)

    with pytest.raises(Unauthorised):
        authenticate_participant(runtime, token)


def test_a_token_ended_by_another_worker_is_refused_once_the_lifetime_has_passed(
    runtime: Runtime, other_worker: Runtime, user: str, clock: FakeClock
) -> None:
    token = issue_token(runtime, user).token
    authenticate_participant(runtime, token)

    logout(other_worker, token)
    clock.advance(seconds=LIFETIME_S / 2)
    assert authenticate_participant(runtime, token).user_id == user  # the documented bound
    clock.advance(seconds=LIFETIME_S / 2)

    with pytest.raises(Unauthorised):
        authenticate_participant(runtime, token)


def test_a_remembered_token_is_refused_the_moment_it_expires(
    runtime: Runtime, user: str, clock: FakeClock
) -> None:
    token = issue_token(runtime, user, ttl=dt.timedelta(seconds=LIFETIME_S / 2)).token
    authenticate_participant(runtime, token)

    clock.advance(seconds=LIFETIME_S / 2)

    with pytest.raises(Unauthorised):
        authenticate_participant(runtime, token)


def test_random_tokens_are_not_remembered_and_valid_ones_stay_within_the_cap(
    database_url: str, clock: FakeClock, runtime: Runtime, user: str
) -> None:
    capped = bootstrap(Settings(database_url=database_url, auth_cache_entries=2), clock=clock)
    try:
        for _ in range(5):
            with pytest.raises(Unauthorised):
                authenticate_participant(capped, PREFIX + secrets.token_urlsafe(32))
        assert len(capped.sessions) == 0

        tokens = [issue_token(capped, user).token for _ in range(4)]
        for token in tokens:
            authenticate_participant(capped, token)

        assert len(capped.sessions) == 2
        assert all(authenticate_participant(capped, t).user_id == user for t in tokens)
    finally:
        capped.db.dispose()


def test_a_lifetime_of_zero_reads_every_time(
    database_url: str, clock: FakeClock, runtime: Runtime, user: str
) -> None:
    uncached = bootstrap(Settings(database_url=database_url, auth_cache_s=0), clock=clock)
    try:
        token = issue_token(uncached, user).token
        authenticate_participant(uncached, token)
        statements = StatementCount(uncached)

        authenticate_participant(uncached, token)

        assert statements.count == 1 and len(uncached.sessions) == 0
    finally:
        uncached.db.dispose()


def test_operator_keys_are_remembered_and_revocation_is_honoured(
    runtime: Runtime, other_worker: Runtime, clock: FakeClock
) -> None:
    here, there = create_api_key(runtime, "here"), create_api_key(runtime, "there")
    authenticate(runtime, here)
    authenticate(runtime, there)
    statements = StatementCount(runtime)
    assert authenticate(runtime, here).name == "here"
    assert statements.count == 0

    revoke_api_key(runtime, "here")
    revoke_api_key(other_worker, "there")

    with pytest.raises(Unauthorised):
        authenticate(runtime, here)
    assert authenticate(runtime, there).name == "there"
    clock.advance(seconds=LIFETIME_S)
    with pytest.raises(Unauthorised):
        authenticate(runtime, there)

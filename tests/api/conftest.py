"""An app on a real store, an operator key, and helpers to arrange data.

No mocks: requests go through ``create_app`` to the real services and store. Only the clock is
fake (2026-11-05 12:00 UTC, from the shared ``clock`` fixture), so consent windows are exact.
The store is a temporary SQLite file; a test whose outcome depends on the store runs on both
engines with ``@BOTH_STORES`` (PostgreSQL in a fresh schema, from the shared ``pg_url``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.clock import Clock
from saxaul.services.api_keys import create_api_key
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime

from .helpers import MAX_BYTES, RUN_TIMES

BOTH_STORES = pytest.mark.parametrize("api_store", ["sqlite", "postgresql"])
"""Run a test on both engines: it overrides the ``api_store`` fixture below."""


@pytest.fixture
def api_store() -> str:
    """The engine the app runs on: SQLite unless a test asks for both (``BOTH_STORES``)."""
    return "sqlite"


@pytest.fixture
def settings(tmp_path: Path, api_store: str, request: pytest.FixtureRequest) -> Settings:
    if api_store == "postgresql":
        url = str(request.getfixturevalue("pg_url"))
    else:
        url = f"sqlite:///{tmp_path}/t.db"
    return Settings(database_url=url, http_max_bytes=MAX_BYTES)


@pytest.fixture
def rt(settings: Settings, clock: Clock) -> Iterator[Runtime]:
    runtime = bootstrap(settings, clock=clock)
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def client(settings: Settings, rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime=rt)) as test_client:
        yield test_client


@pytest.fixture
def auth(rt: Runtime) -> dict[str, str]:
    """Headers carrying a valid operator key."""
    return {"Authorization": f"Bearer {create_api_key(rt, 'test-operator')}"}


@pytest.fixture
def enrol(rt: Runtime, tmp_path: Path) -> Callable[..., None]:
    """Enrol users with scoring consent from 2026-01-01 (through the participants service)."""

    def _enrol(*users: str) -> None:
        path = tmp_path / f"people-{'-'.join(users)}.csv"
        pl.DataFrame(
            {
                "user_id": list(users),
                "enrolled_at": ["2026-01-01T00:00:00+08:00"] * len(users),
                "consent": ["true"] * len(users),
            }
        ).write_csv(path)
        import_participants(rt, path)

    return _enrol


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Report the run time of the schemathesis suite per store, with or without ``-s``."""
    for store, seconds in sorted(config.stash.get(RUN_TIMES, {}).items()):
        terminalreporter.write_line(f"schemathesis on {store}: {seconds:.1f} s")

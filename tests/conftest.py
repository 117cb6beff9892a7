"""Shared fixtures: a runtime on SQLite and on PostgreSQL, a fake clock, scenario files.

PostgreSQL tests run against the real server (``SAXAUL_TEST_POSTGRES_URL``, default the local
``test`` database), each in a fresh schema that is dropped afterwards. When the server is
absent they skip with the reason — except under ``CI=true``, where absence fails the run.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.scoring_jobs.spark import SparkRunner, spark_missing
from saxaul.services.runtime import Runtime

os.environ.setdefault(
    "SAXAUL_SIGNING_KEY_FILE", str(Path(tempfile.mkdtemp(prefix="saxaul-keys-")) / "key.pem")
)
"""Settings built by tests sign with a throwaway key, never one in the working directory."""

PG_URL = os.environ.get(
    "SAXAUL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reaches PostgreSQL through ``postgres_base`` (``pg_url`` included),
    so ``-m "not postgres"`` leaves out exactly the tests that need the server."""
    for item in items:
        if "postgres_base" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def _postgres_available() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"


def unavailable(reason: str) -> NoReturn:
    """Skip a test whose service or tool is absent, with the reason; under ``CI=true`` fail,
    since CI must run every test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: it must be there)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_base() -> str:
    reason = _postgres_available()
    if reason:
        unavailable(reason)
    return PG_URL


@contextmanager
def fresh_schema(postgres_base: str) -> Iterator[str]:
    """The URL of a new PostgreSQL schema, dropped on leaving."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{postgres_base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def pg_url(postgres_base: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    with fresh_schema(postgres_base) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store test runs on both engines."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'saxaul.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def runtime(database_url: str, clock: FakeClock) -> Iterator[Runtime]:
    rt = bootstrap(Settings(database_url=database_url, chunk_rows=1_000), clock=clock)
    yield rt
    rt.db.dispose()


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkRunner]:
    """One local Spark (``local[2]``, 4 partitions) for every Spark test of the run."""
    missing = spark_missing()
    if missing is not None:
        unavailable(missing)
    runner = SparkRunner("local[2]", partitions=4)
    yield runner
    runner.stop()

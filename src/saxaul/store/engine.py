"""Engines for the two supported databases, with the durability settings spelled out.

SQLite (the embedded default) is reached through the ADBC driver's SQLite by SQLAlchemy and
the bulk writer alike (one SQLite library per process: ``sqlite_dbapi``). It runs in WAL mode
with ``synchronous=FULL`` — every committed import chunk survives a power cut, not just a
killed process — and 16 KiB pages, which measured ~1.3× faster than 4 KiB for the random
64-bit dedupe index (docs/benchmarks.md). PostgreSQL is reached through psycopg 3; the bulk
writer opens its own ADBC connection to it (``bulk_uri``) so Arrow batches go straight in.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from saxaul.store import sqlite_dbapi

SQLITE_PAGE_SIZE = 16384
SQLITE_POOL_SIZE = 8
SQLITE_POOL_OVERFLOW = 56
"""Connections kept, and opened beyond them under load (the API runs up to 40 worker threads)."""
SQLITE_SETUP = (
    f"PRAGMA page_size={SQLITE_PAGE_SIZE}",  # only takes effect when the file is created
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=60000",
    "PRAGMA cache_size=-262144",
    "PRAGMA wal_autocheckpoint=16384",  # 256 MiB: fewer, larger checkpoints during imports
)
SQLITE_LOOKUP_CACHE = "PRAGMA cache_size=-16384"
"""16 MiB for a connection that only probes indexes beside an import's writer (consent, a
chunk's cap usage): with the writer's 256 MiB a run's memory would grow with the database."""


def is_sqlite(url: str) -> bool:
    """Whether a database URL names SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy would otherwise pick psycopg2)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine with the pragmas above applied to every new SQLite connection."""
    url = normalise_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True)
    path = bulk_uri(url)

    def make() -> sqlite_dbapi.Connection:
        return sqlite_dbapi.connect(path, SQLITE_SETUP)

    # An explicit QueuePool: for the URL ``sqlite://`` SQLAlchemy would pick SingletonThreadPool
    # (one connection per thread, five at most), which closes another thread's connection
    # mid-transaction when a sixth thread connects — ADBC INVALID_STATE errors and a crash
    # under the API's worker threads (found by bench/ledger.py).
    return create_engine(
        "sqlite://",
        module=sqlite_dbapi.module(make),
        creator=make,
        poolclass=QueuePool,
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=SQLITE_POOL_OVERFLOW,
    )


def bulk_uri(url: str) -> str:
    """The ADBC form of a database URL: a file path for SQLite, a libpq URI for PostgreSQL."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)

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
POSTGRES_POOL_SIZE = 20
POSTGRES_POOL_OVERFLOW = 20
"""Connections each process keeps open to PostgreSQL, and opens beyond them under load. Why this
many: the API runs up to 40 worker threads, and a connection opened per request and closed
after (what SQLAlchemy's default 5 + 10 overflow does past 5 at once) costs PostgreSQL a new
backend each time — it showed as the top cost of the served game under 32 clients. Two worker
processes stay within PostgreSQL's default ``max_connections`` of 100."""
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
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=POSTGRES_POOL_SIZE,
            max_overflow=POSTGRES_POOL_OVERFLOW,
        )
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

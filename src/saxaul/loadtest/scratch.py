"""Where the benchmarks write: a fresh SQLite file or a fresh PostgreSQL schema per measurement.

The PostgreSQL server is named in one place, ``SAXAUL_BENCH_POSTGRES_URL`` (default: the local
development server, ``postgresql://postgres@127.0.0.1:5432/test``); every harness reads it
through ``postgres_url()`` as the default of its ``--postgres-url`` option. An empty value runs
SQLite only. Each measurement gets its own schema (or database, for pgbench), dropped after.

Example: ``SAXAUL_BENCH_POSTGRES_URL=postgresql://bench@db:5432/bench saxaul bench http``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

POSTGRES_URL_ENV = "SAXAUL_BENCH_POSTGRES_URL"
POSTGRES_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """The PostgreSQL server the benchmarks measure; empty means SQLite only."""
    return os.environ.get(POSTGRES_URL_ENV, POSTGRES_URL_DEFAULT)


def admin_engine(url: str) -> sa.Engine:
    """An autocommit engine on the server of ``url``, for CREATE/DROP SCHEMA and DATABASE."""
    return sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


@contextlib.contextmanager
def scratch_database(engine: str, work: Path, postgres: str | None, tag: str) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file in ``work`` or a PostgreSQL schema."""
    name = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
    if engine == "sqlite":
        yield f"sqlite:///{work / f'{name}.db'}"
        return
    if not postgres:
        raise ValueError("a PostgreSQL measurement needs a PostgreSQL URL")
    admin = admin_engine(postgres)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    try:
        sep = "&" if "?" in postgres else "?"
        yield f"{postgres}{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()

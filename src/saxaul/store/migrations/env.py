"""Alembic environment: migrations run against the engine bootstrap hands in (or the URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from saxaul.store.engine import make_engine
from saxaul.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with make_engine(context.config.get_main_option("sqlalchemy.url") or "").begin() as conn:
        _run(conn)

"""``INSERT … ON CONFLICT`` for either engine: the one place that picks the dialect's insert.

Why: SQLAlchemy's generic ``insert`` has no ``on_conflict_do_nothing``/``_do_update``; both
PostgreSQL's and SQLite's dialects do, with the same signature, so callers ask here for the
insert of the engine they are on and write the conflict clause once.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_on_conflict(conn: Connection, table: Table) -> sqlite.Insert | postgresql.Insert:
    """An insert into ``table`` that accepts an ``ON CONFLICT`` clause on ``conn``'s engine."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)

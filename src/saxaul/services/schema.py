"""Bring a database to the current schema (the use case behind ``saxaul db upgrade``)."""

from __future__ import annotations

from saxaul.store.migrate import upgrade
from saxaul.store.uow import Database


def migrate(database_url: str) -> Database:
    """Open ``database_url`` and apply every pending migration."""
    db = Database(database_url)
    upgrade(db.engine)
    return db

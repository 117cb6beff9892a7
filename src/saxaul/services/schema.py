"""Bring a database to the current schema (the use case behind ``saxaul db upgrade``)."""

from __future__ import annotations

from sqlalchemy import Engine

from saxaul.store.engine import make_engine
from saxaul.store.migrate import upgrade


def migrate(database_url: str) -> Engine:
    """Make an engine for ``database_url`` and apply every pending migration."""
    engine = make_engine(database_url)
    upgrade(engine)
    return engine

"""The schema, one SQLAlchemy Core ``Table`` per stored concept, shared by SQLite and PostgreSQL.

Why Core and plain integer columns: the same code path serves both engines, Alembic migrates
it, and the hot tables (events, awards, balls, cap usage) are written through Arrow by the bulk
writer, so their timestamps are integer microseconds since the Unix epoch in UTC (``*_at_us``)
and their amounts integer milligrams or grams — exact, compact and identical on both engines.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

methodology_packs = Table(
    "methodology_packs",
    metadata,
    Column("pack_id", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("document", Text, nullable=False, comment="the pack as canonical JSON"),
    Column("registered_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("pack_id", "version"),
)

participants = Table(
    "participants",
    metadata,
    Column("user_id", Text, primary_key=True, comment="pseudonymous id chosen by the operator"),
    Column("enrolled_at_us", BigInteger, nullable=False),
    Column("consent_scopes", Text, nullable=False, comment="';'-joined sorted scopes"),
    Column("consent_at_us", BigInteger, nullable=True),
    Column("withdrawn_at_us", BigInteger, nullable=True),
    Column("updated_at_us", BigInteger, nullable=False),
)

demographics = Table(
    "demographics",
    metadata,
    Column("user_id", Text, ForeignKey("participants.user_id"), primary_key=True),
    Column("gender", Text, nullable=True),
    Column("birth_year", Integer, nullable=True),
    Column("province", Text, nullable=True),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False, comment="events | participants | http"),
    Column("content_sha256", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False, comment="running | done"),
    Column("rows_committed", BigInteger, nullable=False, default=0),
    Column("counters", Text, nullable=False, default="{}", comment="JSON totals"),
    Column("started_at_us", BigInteger, nullable=False),
    Column("finished_at_us", BigInteger, nullable=True),
    UniqueConstraint("kind", "content_sha256"),
)

events = Table(
    "events",
    metadata,
    Column(
        "dedupe_key",
        BigInteger,
        primary_key=True,
        autoincrement=False,
        comment="xxhash64(source \\x1f event_id): the event's identity (ADR 0002)",
    ),
    Column("source", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("behaviour", Text, nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("amount_minor", BigInteger, nullable=True),
    Column("currency", Text, nullable=True),
    Column("merchant_category", Text, nullable=True),
    Column("attributes", Text, nullable=True),
    Column("payload_hash", BigInteger, nullable=False),
    Column("import_id", Integer, nullable=False),
    Column("status", Text, nullable=False, comment="scored | no_consent | not_effective"),
    Column("day", Integer, nullable=False, comment="local date ordinal in the pack's zone"),
    Column("raw_mg", BigInteger, nullable=False),
    Column("credited_mg", BigInteger, nullable=False),
    Column("award_id", BigInteger, nullable=True),
)

awards = Table(
    "awards",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("import_id", Integer, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("behaviour", Text, nullable=False),
    Column("day", Integer, nullable=False),
    Column("pack_id", Text, nullable=False),
    Column("pack_version", Text, nullable=False),
    Column("factor_ids", Text, nullable=False),
    Column("avoided_mg", BigInteger, nullable=False),
    Column("energy_g", BigInteger, nullable=False),
    Column("events_counted", Integer, nullable=False),
    Column("events_scored", Integer, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
)

# ``energy_balls`` is a view over ``awards`` (one ball per award worth at least 1 g), created by
# migration 0001: a ball's state (taken, expired) is ledger history (issue 3), not a second copy.

cap_usage = Table(
    "cap_usage",
    metadata,
    Column("user_id", Text, nullable=False),
    Column("behaviour", Text, nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("counted", BigInteger, nullable=False),
    Column("credited_mg", BigInteger, nullable=False),
    PrimaryKeyConstraint("period_key", "behaviour", "user_id"),
    sqlite_with_rowid=False,
    comment="period first: a day's usage rows sit together, so a day's import appends",
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("import_id", Integer, nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("location", Text, nullable=False, comment="line | index"),
    Column("code", Text, nullable=False),
    Column("field", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    UniqueConstraint("import_id", "line"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("key_hash", Text, nullable=False, unique=True, comment="sha256 of the secret"),
    Column("role", Text, nullable=False, comment="operator"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("revoked_at_us", BigInteger, nullable=True),
)

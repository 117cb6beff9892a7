"""PostgreSQL's monthly partitions of events, awards and ledger transfers: the one place that knows.

Why partitions (migration 0014): the three append-only tables grow with the programme; a closed
month that is a partition is archived by dropping it (no DELETE of millions of rows, no bloat,
no vacuum), and reads bounded by time visit only the months they name. SQLite, the embedded
single-machine store, is not partitioned; everything here is a no-op or empty there.

Why the bounds: a partition is one month exactly as the Parquet archive groups its rows
(``reports.archive``): events and awards by their local ``day`` ordinal, transfers by the local
month of ``at_us`` in the methodology pack's zone. So an archived month is one whole partition,
and no re-export ever rewrites a month some of whose rows were already dropped.

The global identities PostgreSQL cannot keep on a partitioned table (a unique index there must
contain the partition key) live in narrow tables filled by a trigger in the inserting
statement (``event_keys``, ``award_keys``, ``ledger_transfer_ids``); they are declared here,
apart from ``store.tables``, because SQLite has no such tables. ``ledger_openings`` is the
checkpoint an archived transfer partition leaves: per account, the sum of what it held.

Example: ``create_month(conn, SPECS[0], dt.date(2027, 1, 1), zone)`` → ``events_p202701``
made (rows of January moved out of ``events_default`` first), ``True``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, MetaData, Table, Text, bindparam, text

from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict
from saxaul.store.driver import Sql
from saxaul.store.report_reads import InputName
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

postgres_metadata = MetaData()
"""The tables only the partitioned (PostgreSQL) schema has."""

IDENTITY_COMMENT = (
    "the global identity of {} rows, in every partition and after archiving; filled by a trigger"
)

event_keys = Table(
    "event_keys",
    postgres_metadata,
    Column("dedupe_key", BigInteger, primary_key=True, autoincrement=False),
    Column("day", BigInteger, nullable=False),
    comment=IDENTITY_COMMENT.format("events"),
)
award_keys = Table(
    "award_keys",
    postgres_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("day", BigInteger, nullable=False),
    comment=IDENTITY_COMMENT.format("awards"),
)
ledger_transfer_ids = Table(
    "ledger_transfer_ids",
    postgres_metadata,
    Column("id", Text, primary_key=True),
    Column("at_us", BigInteger, nullable=False),
    comment=IDENTITY_COMMENT.format("ledger_transfers"),
)
ledger_openings = Table(
    "ledger_openings",
    postgres_metadata,
    Column("account_id", Text, primary_key=True),
    Column("balance_g", BigInteger, nullable=False),
    Column("through_at_us", BigInteger, nullable=False),
    comment="per account, the sum of its archived transfers (credits minus debits) up to "
    "through_at_us: the audit starts from it",
)


@dataclass(frozen=True, slots=True)
class Spec:
    """A partitioned table: its name, the column its months are ranges of, and the name of
    its rows in the Parquet archive."""

    table: str
    column: str
    archived_as: InputName


SPECS = (
    Spec("events", "day", "events"),
    Spec("awards", "day", "awards"),
    Spec("ledger_transfers", "at_us", "transfers"),
)
REPLACED_CONSTRAINTS = frozenset({"uq_ledger_transfers_id"})
"""Unique constraints of ``store.tables`` that the partitioned schema keeps in an identity
table instead (``ledger_transfer_ids``)."""
PARTITIONS_LOCK_ID = 0x5A58_0002  # "SX" + 2: held while a partition is made
_PARTITION_NAME = re.compile(r"^(events|awards|ledger_transfers)_(default|p\d{6})$")


@dataclass(frozen=True, slots=True)
class Partition:
    """One partition: its table, name, month (``None``: the default one), rows and bytes."""

    table: str
    name: str
    month: dt.date | None
    rows: int
    bytes: int


def partitioned(conn: UnitOfWork) -> bool:
    """Whether this store is partitioned: PostgreSQL, whose migrations reach 0014."""
    return conn.dialect.name == "postgresql"


def declared(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object`` for comparing the partitioned schema with ``store.tables``:
    leave out the partitions themselves (and their indexes) and the unique constraints the
    identity tables replace."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if table is not None and _PARTITION_NAME.match(table.name):
        return False
    return not (type_ == "unique_constraint" and name in REPLACED_CONSTRAINTS)


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after ``month``'s."""
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def bounds(spec: Spec, month: dt.date, zone: ZoneInfo) -> tuple[int, int]:
    """``[low, high)`` of ``month``'s partition of ``spec``: day ordinals, or the local month's
    first instants in ``zone``."""
    after = next_month(month)
    if spec.column == "day":
        return month.toordinal(), after.toordinal()
    start = dt.time(tzinfo=zone)
    return to_us(dt.datetime.combine(month, start)), to_us(dt.datetime.combine(after, start))


def partition_name(spec: Spec, month: dt.date) -> str:
    """``<table>_pYYYYMM``."""
    return f"{spec.table}_p{month:%Y%m}"


def partitions(conn: UnitOfWork) -> list[Partition]:
    """Every partition of every partitioned table, with its exact row count and size."""
    if not partitioned(conn):
        return []
    found = []
    for spec in SPECS:
        children = conn.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = CAST(:parent AS regclass) ORDER BY c.relname"
            ),
            {"parent": spec.table},
        ).all()
        for name, size in children:
            rows = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            found.append(Partition(spec.table, name, _month_of(spec, name), int(rows), int(size)))
    return found


def months(conn: UnitOfWork, spec: Spec) -> set[dt.date]:
    """The months ``spec`` has a partition of (no counting: a catalogue read)."""
    names = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": spec.table},
    ).scalars()
    return {month for name in names if (month := _month_of(spec, name)) is not None}


def _month_of(spec: Spec, name: str) -> dt.date | None:
    suffix = name.removeprefix(f"{spec.table}_")
    return None if suffix == "default" else dt.date(int(suffix[1:5]), int(suffix[5:]), 1)


def earliest_default_month(conn: UnitOfWork, spec: Spec, zone: ZoneInfo) -> dt.date | None:
    """The month of the oldest row still in ``spec``'s default partition (``None``: empty)."""
    low = conn.execute(text(f"SELECT min({spec.column}) FROM {spec.table}_default")).scalar()
    if low is None:
        return None
    if spec.column == "day":
        return dt.date.fromordinal(int(low)).replace(day=1)
    instant = dt.datetime.fromtimestamp(int(low) / 1_000_000, dt.UTC).astimezone(zone)
    return instant.date().replace(day=1)


def create_month(conn: WriteUnitOfWork, spec: Spec, month: dt.date, zone: ZoneInfo) -> bool:
    """Make ``month``'s partition of ``spec`` unless it exists; whether it was made.

    Rows of that month already in the default partition (late or early rows, or the history a
    migration left there) move into it first, in this transaction: PostgreSQL refuses to
    attach a partition whose rows the default one holds. The default partition is locked
    meanwhile, so no insert can slip a row of the month into it before the attach.
    """
    name = partition_name(spec, month)
    conn.execute(text(f"SELECT pg_advisory_xact_lock({PARTITIONS_LOCK_ID})"))
    if conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
        return False
    low, high = bounds(spec, month, zone)
    default = f"{spec.table}_default"
    within = f"{spec.column} >= {low} AND {spec.column} < {high}"
    conn.exec_driver_sql(f"LOCK TABLE {default} IN ACCESS EXCLUSIVE MODE")
    conn.exec_driver_sql(
        f"CREATE TABLE {name} (LIKE {spec.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    conn.exec_driver_sql(f"INSERT INTO {name} SELECT * FROM {default} WHERE {within}")
    conn.exec_driver_sql(f"DELETE FROM {default} WHERE {within}")
    conn.exec_driver_sql(
        f"ALTER TABLE {spec.table} ATTACH PARTITION {name} FOR VALUES FROM ({low}) TO ({high})"
    )
    return True


def archived_rows(conn: UnitOfWork, spec: Spec, month: dt.date, kinds: Collection[str] = ()) -> int:
    """Rows of ``month``'s partition the archive keeps (transfers: only ``kinds``, if any)."""
    where = ""
    params: dict[str, Any] = {}
    if kinds:
        where = " WHERE kind IN :kinds"
        params["kinds"] = list(kinds)
    statement = text(f"SELECT count(*) FROM {partition_name(spec, month)}{where}")
    if kinds:
        statement = statement.bindparams(bindparam("kinds", expanding=True))
    return int(conn.execute(statement, params).scalar_one())


def drop_month(
    conn: WriteUnitOfWork,
    spec: Spec,
    month: dt.date,
    zone: ZoneInfo,
    exported_rows: int,
    kinds: Collection[str] = (),
) -> int:
    """Detach and drop ``month``'s partition of ``spec`` once the archive holds
    ``exported_rows`` of it (counted again here, under lock, so a row that arrived after the
    export stops the drop); returns the rows dropped.

    A transfer partition first adds each account's net of its transfers to
    ``ledger_openings``, in this transaction: balances derived from transfers stay exact.
    """
    name = partition_name(spec, month)
    conn.exec_driver_sql(f"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE")
    kept = archived_rows(conn, spec, month, kinds)
    if kept != exported_rows:
        raise Conflict(
            f"{name} holds {kept} rows the archive keeps but the archive has {exported_rows}; "
            "export again before archiving",
            code="archive_incomplete",
        )
    rows = int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
    if spec.table == "ledger_transfers":
        _, high = bounds(spec, month, zone)
        conn.execute(
            text(
                "INSERT INTO ledger_openings (account_id, balance_g, through_at_us) "
                "SELECT account, sum(g), :high FROM ("
                f"SELECT debit_account AS account, -amount_g AS g FROM {name} UNION ALL "
                f"SELECT credit_account, amount_g FROM {name}) AS moves GROUP BY account "
                "ON CONFLICT (account_id) DO UPDATE SET "
                "balance_g = ledger_openings.balance_g + excluded.balance_g, "
                "through_at_us = greatest(ledger_openings.through_at_us, excluded.through_at_us)"
            ),
            {"high": high},
        )
    conn.exec_driver_sql(f"ALTER TABLE {spec.table} DETACH PARTITION {name}")
    conn.exec_driver_sql(f"DROP TABLE {name}")
    return rows


def openings(conn: UnitOfWork, account_ids: Collection[str] | None = None) -> dict[str, int]:
    """Opening balances archived transfer partitions left (``None``: every account's);
    empty on an unpartitioned store."""
    if not partitioned(conn):
        return {}
    o = ledger_openings.c
    query = ledger_openings.select().with_only_columns(o.account_id, o.balance_g)
    if account_ids is not None:
        if not account_ids:
            return {}
        query = query.where(o.account_id.in_(sorted(account_ids)))
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def with_openings(sql: Sql, tag: str) -> Sql:
    """``sql`` (rows of tag, account, grams) plus, on PostgreSQL, a row ``(tag, account,
    opening)`` for each account of one more list parameter that archived transfers left an
    opening balance; on SQLite the parameter is taken and nothing is added (no archive drops
    transfers there)."""
    return Sql(
        f"{sql.postgresql} UNION ALL SELECT '{tag}', account_id, balance_g FROM ledger_openings "
        "WHERE account_id = ANY(CAST(%b AS TEXT[]))",
        f"{sql.sqlite} UNION ALL SELECT '{tag}', value, 0 FROM json_each(?) WHERE 0",
    )


def award_ids(sqlite: bool) -> str:
    """The table holding every award id ever handed out: ``awards`` on SQLite, its identity
    table on PostgreSQL, which keeps those of archived partitions too (so the next id never
    reuses one)."""
    return "awards" if sqlite else award_keys.name

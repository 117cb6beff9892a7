"""partitioned store: events and awards by month of their local day, ledger transfers by time

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:00:00.000000

PostgreSQL only; on SQLite (the embedded single-machine store) this revision does nothing.

Each of ``events``, ``awards`` and ``ledger_transfers`` is rebuilt as a table partitioned by
RANGE of its time column with every row kept: the old table is renamed, a partitioned one is
made LIKE it (columns, defaults, CHECKs, comments), the rows are copied, the old one dropped.
PostgreSQL wants the partition key in every unique index of a partitioned table, so each
table's global identity moves to a narrow unpartitioned table (``event_keys``, ``award_keys``,
``ledger_transfer_ids``) that an AFTER INSERT statement trigger fills from the inserted rows:
a key inserted twice, in any month and by any session, breaks that table's primary key in the
inserting transaction, as the old primary key did. The keys outlive archived partitions, so an
event or a transfer archived and sent again is still refused as a duplicate.

Events and awards are partitioned by their ``day`` (the local date ordinal the archive also
groups them by), one partition per month that has rows plus a DEFAULT one. Ledger transfers
get only their DEFAULT partition here: their month bounds are local instants in the methodology
pack's zone, which the application knows and a migration does not; ``saxaul partitions ensure``
adds them (``store.partitions``). ``ledger_openings`` is the checkpoint an archived transfer
partition leaves behind: per account, the sum of its archived transfers.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# table -> (partition column, primary key, identity table, identity key DDL, identity column)
TABLES = {
    "events": ("day", "dedupe_key, day", "event_keys", "dedupe_key BIGINT", "dedupe_key"),
    "awards": ("day", "id, day", "award_keys", "id BIGINT", "id"),
    "ledger_transfers": ("at_us", "seq, at_us", "ledger_transfer_ids", "id TEXT", "id"),
}
OLD_INDEXES = {
    "events": ["ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY (dedupe_key)"],
    "awards": ["ALTER TABLE awards ADD CONSTRAINT pk_awards PRIMARY KEY (id)"],
    "ledger_transfers": [
        "ALTER TABLE ledger_transfers ADD CONSTRAINT pk_ledger_transfers PRIMARY KEY (seq)",
        "ALTER TABLE ledger_transfers ADD CONSTRAINT uq_ledger_transfers_id UNIQUE (id)",
    ],
}
TRANSFER_INDEXES = [
    "CREATE INDEX ix_ledger_transfers_debit_account ON ledger_transfers (debit_account)",
    "CREATE INDEX ix_ledger_transfers_credit_at ON ledger_transfers (credit_account, at_us)",
    "CREATE INDEX ix_ledger_transfers_reference ON ledger_transfers (reference)",
]


def _exec(sql: str) -> None:
    op.get_bind().exec_driver_sql(sql)


def _strip_indexes(table: str) -> None:
    """Drop the primary key, unique constraints and indexes of ``table`` (renamed aside), so
    their names are free for the new table and the copy out of it reads a bare heap."""
    bind = op.get_bind()
    for (name,) in bind.execute(
        sa.text(
            "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
            "AND contype IN ('p', 'u')"
        ),
        {"t": table},
    ).all():
        _exec(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for (name,) in bind.execute(
        sa.text(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = CAST(:t AS regclass)"
        ),
        {"t": table},
    ).all():
        _exec(f"DROP INDEX {name}")


def _day_months(table: str) -> list[dt.date]:
    """The first day of every month holding a row of ``table`` (by its ``day`` ordinal)."""
    low, high = op.get_bind().execute(sa.text(f"SELECT min(day), max(day) FROM {table}_0013")).one()
    if low is None:
        return []
    month = dt.date.fromordinal(low).replace(day=1)
    last = dt.date.fromordinal(high)
    months = []
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the embedded store stays one table per concept
    for table, (column, key, identity, identity_key, key_column) in TABLES.items():
        _exec(f"ALTER TABLE {table} RENAME TO {table}_0013")
        _strip_indexes(f"{table}_0013")
        _exec(
            f"CREATE TABLE {table} (LIKE {table}_0013 INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING COMMENTS) PARTITION BY RANGE ({column})"
        )
        _exec(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({key})")
        _exec(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        if column == "day":
            for month in _day_months(table):
                upper = (month + dt.timedelta(days=32)).replace(day=1)
                _exec(
                    f"CREATE TABLE {table}_p{month:%Y%m} PARTITION OF {table} "
                    f"FOR VALUES FROM ({month.toordinal()}) TO ({upper.toordinal()})"
                )
        _exec(
            f"CREATE TABLE {identity} ({identity_key} NOT NULL, {column} BIGINT NOT NULL, "
            f"CONSTRAINT pk_{identity} PRIMARY KEY ({key_column}))"
        )
        _exec(
            f"COMMENT ON TABLE {identity} IS 'the global identity of {table} rows, in every "
            "partition and after archiving; filled by a trigger'"
        )
        _exec(f"INSERT INTO {identity} SELECT {key_column}, {column} FROM {table}_0013")
        _exec(f"INSERT INTO {table} SELECT * FROM {table}_0013")
        if table == "ledger_transfers":
            _exec("ALTER SEQUENCE ledger_transfers_seq_seq OWNED BY ledger_transfers.seq")
            for sql in TRANSFER_INDEXES:
                _exec(sql)
        _exec(f"DROP TABLE {table}_0013")
        _exec(
            f"CREATE FUNCTION {identity}_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO {identity} SELECT {key_column}, {column} FROM inserted; "
            "RETURN NULL; END $$"
        )
        _exec(
            f"CREATE TRIGGER {identity}_claim AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {identity}_claim()"
        )
        _exec(f"ANALYZE {table}, {identity}")
    _exec(
        "CREATE TABLE ledger_openings (account_id TEXT NOT NULL, balance_g BIGINT NOT NULL, "
        "through_at_us BIGINT NOT NULL, CONSTRAINT pk_ledger_openings PRIMARY KEY (account_id))"
    )
    _exec(
        "COMMENT ON TABLE ledger_openings IS 'per account, the sum of its archived transfers "
        "(credits minus debits) up to through_at_us: the audit starts from it'"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(sa.text("SELECT count(*) FROM ledger_openings")).scalar():
        raise RuntimeError(
            "transfer partitions were archived (ledger_openings has rows): the unpartitioned "
            "schema has no place for their opening balances; restore them before downgrading"
        )
    _exec("DROP TABLE ledger_openings")
    for table, (_, _, identity, _, _) in TABLES.items():
        _exec(
            f"CREATE TABLE {table}_0014 (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING COMMENTS)"
        )
        _exec(f"INSERT INTO {table}_0014 SELECT * FROM {table}")
        if table == "ledger_transfers":
            _exec("ALTER SEQUENCE ledger_transfers_seq_seq OWNED BY ledger_transfers_0014.seq")
        _exec(f"DROP TABLE {table}")
        _exec(f"DROP TABLE {identity}")
        _exec(f"DROP FUNCTION {identity}_claim()")
        _exec(f"ALTER TABLE {table}_0014 RENAME TO {table}")
        for sql in OLD_INDEXES[table]:
            _exec(sql)
        if table == "ledger_transfers":
            for sql in TRANSFER_INDEXES:
                _exec(sql)

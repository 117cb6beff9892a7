"""Storage per participant-year: what a played store holds, table by table, on either engine.

    python -m bench.storage --database-url sqlite:///var/pilot-scale/pilot.db
    python -m bench.storage --database-url postgresql+psycopg://127.0.0.1/pilot_bench

Why a bench of its own: sizing a deployment needs bytes per participant per year of play, and
that is a property of a real store (rows, indexes, page fill, the engine's per-row overhead),
not of the schema on paper. Point it at a store played by ``saxaul simulate --play`` (or
``bench.pilot_scale --work``): it weighs each table with its indexes — SQLite's ``dbstat``
virtual table, PostgreSQL's ``pg_total_relation_size`` summed over a partitioned table's
leaves — counts its rows, and divides by the participant-years the store holds: each
participant from enrolment to the last event's instant (or ``--as-of``).

Prints one JSON object; a table to stderr. Read-only: it never writes to the store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

YEAR_US = 365.25 * 86_400 * 1_000_000
MIB = 1 << 20

SQLITE_SIZES = """
SELECT COALESCE(m.tbl_name, s.name) AS name, SUM(s.pgsize) AS bytes
FROM dbstat AS s LEFT JOIN sqlite_schema AS m ON m.name = s.name
GROUP BY 1
"""
"""Every b-tree's pages (tables and their indexes) summed under the table they belong to."""

POSTGRES_SIZES = """
SELECT c.relname AS name,
       COALESCE(
         (SELECT SUM(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) AS t
          WHERE t.isleaf),
         pg_total_relation_size(c.oid)) AS bytes
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""
"""Each top-level table with its indexes and TOAST; a partitioned table as the sum of its leaves."""


def table_sizes(conn: sa.Connection) -> dict[str, int]:
    """Bytes on disk per table, indexes included, on the connection's engine."""
    query = SQLITE_SIZES if conn.dialect.name == "sqlite" else POSTGRES_SIZES
    return {name: int(size or 0) for name, size in conn.execute(sa.text(query))}


def participant_years(conn: sa.Connection, as_of_us: int | None) -> tuple[int, float, int]:
    """(participants, participant-years, the end instant): enrolment to ``as_of_us``."""
    if as_of_us is None:
        as_of_us = conn.execute(sa.text("SELECT MAX(occurred_at_us) FROM events")).scalar_one()
    if as_of_us is None:
        raise SystemExit("the store holds no events: play a scenario into it first")
    count, spent = conn.execute(
        sa.text(
            # in seconds: microseconds summed over millions of people pass 64 bits
            "SELECT COUNT(*), SUM(CASE WHEN enrolled_at_us < :end "
            "THEN (:end - enrolled_at_us) / 1000000.0 ELSE 0 END) FROM participants"
        ),
        {"end": as_of_us},
    ).one()
    return int(count), float(spent or 0) * 1_000_000 / YEAR_US, int(as_of_us)


def weigh(url: str, as_of: dt.date | None) -> dict[str, Any]:
    """Rows and bytes per table, each per participant-year (see the module docstring)."""
    engine = sa.create_engine(url)
    as_of_us = None
    if as_of is not None:
        midnight = dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)
        as_of_us = int(midnight.timestamp() * 1_000_000)
    with engine.connect() as conn:
        participants, years, end_us = participant_years(conn, as_of_us)
        sizes = table_sizes(conn)
        tables = {}
        for name in sorted(sizes, key=sizes.__getitem__, reverse=True):
            if name.startswith("sqlite_") or name == "alembic_version":
                continue
            rows = conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            tables[name] = {
                "rows": rows,
                "bytes": sizes[name],
                "bytes_per_row": round(sizes[name] / rows, 1) if rows else None,
                "rows_per_participant_year": round(rows / years, 2) if years else None,
                "bytes_per_participant_year": round(sizes[name] / years) if years else None,
            }
    engine.dispose()
    total = sum(table["bytes"] for table in tables.values())
    return {
        "bench": "storage",
        "engine": url.split(":", 1)[0],
        "participants": participants,
        "participant_years": round(years, 3),
        "as_of": dt.datetime.fromtimestamp(end_us / 1e6, dt.UTC).isoformat(),
        "total_bytes": total,
        "bytes_per_participant_year": round(total / years) if years else None,
        "tables": tables,
    }


def summary(result: dict[str, Any]) -> str:
    """The per-table figures as a plain table, largest first."""
    lines = [
        f"{result['engine']}: {result['participants']:,} participants, "
        f"{result['participant_years']:,} participant-years to {result['as_of']}, "
        f"{result['total_bytes'] / MIB:,.1f} MiB in all, "
        f"{result['bytes_per_participant_year']:,} bytes per participant-year",
        f"  {'table':<24} {'rows':>14} {'MiB':>10} {'B/row':>8} {'B/p-yr':>10}",
    ]
    for name, table in result["tables"].items():
        per_row = table["bytes_per_row"] or 0
        per_year = table["bytes_per_participant_year"] or 0
        lines.append(
            f"  {name:<24} {table['rows']:>14,} {table['bytes'] / MIB:>10,.1f} "
            f"{per_row:>8,.0f} {per_year:>10,}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    result = weigh(args.database_url, args.as_of)
    print(summary(result), file=sys.stderr)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""A list of values or rows as ONE bound parameter: arrays on PostgreSQL, JSON on SQLite.

Why: a batch of game moves reads and writes a few hundred accounts, balls and transfers. Bound
one value at a time, each statement's text changes with the list's length (so PostgreSQL
re-plans it) and each value is a separate driver conversion (ADBC builds an Arrow array per
parameter); written one row at a time, an ``executemany`` of balance updates is hundreds of
statements. Sent as one array (``= ANY(:ids)``, ``unnest``) or one JSON document
(``json_each(?)``) the statement text is fixed and the cost is one conversion (measured in
docs/benchmarks.md, Ledger).

Example: ``conn.execute(select(t.c.id).where(any_of(conn, t.c.id, ["a", "b"])))`` renders
``id = ANY(%(p)s::VARCHAR[])`` on PostgreSQL and ``id IN (SELECT value FROM json_each(?))``
on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Subquery,
    Text,
    any_,
    column,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

Column = tuple[str, type[Text] | type[BigInteger], Sequence[Any]]
"""One column of a rows parameter: its name, SQL type and values."""


def any_of(
    conn: Connection, target: ColumnElement[Any], values: Collection[str]
) -> ColumnElement[bool]:
    """``target`` is one of ``values`` (text values), bound as a single parameter."""
    ordered = sorted(values)
    if conn.dialect.name == "postgresql":
        return target == any_(literal(ordered, type_=ARRAY(Text)))
    each = func.json_each(literal(json.dumps(ordered))).table_valued("value")
    return target.in_(select(each.c.value))


def rows(conn: Connection, columns: Sequence[Column]) -> Subquery:
    """The rows given column-wise, as a subquery with those column names (one parameter per
    column on PostgreSQL, one in all on SQLite)."""
    if conn.dialect.name == "postgresql":
        arrays = [literal(list(values), type_=ARRAY(kind())) for _, kind, values in columns]
        unnested = (
            func.unnest(*arrays)
            .table_valued(*(column(name, kind()) for name, kind, _ in columns))
            .render_derived(with_types=False)
        )
        return select(*(unnested.c[name] for name, _, _ in columns)).subquery()
    document = json.dumps(
        [list(row) for row in zip(*(values for _, _, values in columns), strict=True)]
    )
    each = func.json_each(literal(document)).table_valued("value")
    picked = [
        func.json_extract(each.c.value, f"$[{n}]").label(name)
        for n, (name, _, _) in enumerate(columns)
    ]
    return select(*picked).subquery()

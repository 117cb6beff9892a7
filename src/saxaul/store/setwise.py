"""A list of values as ONE bound parameter: an array on PostgreSQL, JSON on SQLite.

Why: a batch of game moves looks up a few hundred accounts, balls and transfers. Bound one
value at a time, each statement's text changes with the list's length (so PostgreSQL re-plans
it) and each value is a separate driver conversion (ADBC builds an Arrow array per parameter).
Sent as one array (``= ANY(:ids)``) or one JSON document (``json_each(?)``) the statement text
is fixed and the cost is one conversion (docs/benchmarks.md, Ledger). The game's hot statements
do the same in text written once per engine (``store.driver``).

Example: ``conn.execute(select(t.c.id).where(any_of(conn, t.c.id, ["a", "b"])))`` renders
``id = ANY(%(p)s::VARCHAR[])`` on PostgreSQL and ``id IN (SELECT value FROM json_each(?))``
on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY


def any_of(
    conn: Connection, target: ColumnElement[Any], values: Collection[str]
) -> ColumnElement[bool]:
    """``target`` is one of ``values`` (text values), bound as a single parameter."""
    ordered = sorted(values)
    if conn.dialect.name == "postgresql":
        return target == any_(literal(ordered, type_=ARRAY(Text)))
    each = func.json_each(literal(json.dumps(ordered))).table_valued("value")
    return target.in_(select(each.c.value))

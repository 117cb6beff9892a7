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

from sqlalchemy import ColumnElement, Connection, Text, any_, func, literal, select, tuple_
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


def pair_of(
    conn: Connection,
    first: ColumnElement[Any],
    second: ColumnElement[Any],
    pairs: Collection[tuple[str, str]],
) -> ColumnElement[bool]:
    """``(first, second)`` is one of ``pairs`` (text values), bound as two parameters at most.

    Why pairs and not ``any_of`` on each column: that would also match the cross product (a's
    key with b's user), which a batch of players who number their keys alike makes large.
    """
    ordered = sorted(pairs)
    if conn.dialect.name == "postgresql":
        firsts = literal([a for a, _ in ordered], type_=ARRAY(Text))
        seconds = literal([b for _, b in ordered], type_=ARRAY(Text))
        zipped = select(func.unnest(firsts), func.unnest(seconds))
        return tuple_(first, second).in_(zipped)
    each = func.json_each(literal(json.dumps(ordered))).table_valued("value")
    return tuple_(first, second).in_(
        select(func.json_extract(each.c.value, "$[0]"), func.json_extract(each.c.value, "$[1]"))
    )

"""Keyset paging of lists shown newest first (``created_at_us`` descending, then ``id``).

Why the cursor is the last row's id and not its time: a client hands back what it was shown
(``next_after_id``, ``domain.paging``); the row's place in the order is looked up from it, so
two rows created in the same microsecond are neither skipped nor repeated.

Example: ``select(trees.c.id).where(newest_first_after(trees.c.created_at_us, trees.c.id,
"t-9")).order_by(trees.c.created_at_us.desc(), trees.c.id)`` → the trees after ``t-9``.
"""

from __future__ import annotations

from sqlalchemy import Column, ColumnElement, Table, and_, or_, select


def newest_first_after(
    created: Column[int], row_id: Column[str], after_id: str
) -> ColumnElement[bool]:
    """Rows that come after row ``after_id`` (of the same table), newest first; none if there
    is no such row."""
    table = created.table
    assert isinstance(table, Table) and row_id.table is table
    cursor = table.alias("cursor")
    at = select(cursor.c[created.name]).where(cursor.c[row_id.name] == after_id).scalar_subquery()
    return or_(created < at, and_(created == at, row_id > after_id))

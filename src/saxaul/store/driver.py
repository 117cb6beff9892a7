"""Hot statements: SQL text written once per engine at import, run on the driver's own cursor.

Why: the game plays a batch of moves in about a dozen statements, and building each through
SQLAlchemy's expression language (clause objects, cache keys, compiled-cache lookups, ``Row``
objects, one ADBC conversion per result cell) cost more than the database's own work for it
(docs/benchmarks.md, Ledger). Here a statement is constant text: PostgreSQL's psycopg prepares
it after ``prepare_threshold`` executions of the same text, and on SQLite its ADBC statement
stays prepared on the connection (``sqlite_dbapi.Connection.prepared``) and answers in Arrow
columns. A list is one parameter whatever its length (an array on PostgreSQL, a JSON document on
SQLite, as in ``setwise``), and a batch of rows is bound column-wise: one array per column on
PostgreSQL (``unnest``), one Arrow record batch on SQLite. PostgreSQL arrays go in binary
(``%b``): psycopg's text format escapes each element with a regular expression, which made a
200-id list cost 255 µs to send against 100 µs in binary (measured here).

Errors are raised as SQLAlchemy's (``IntegrityError``, ``OperationalError``, …), so
``store.uow`` retries a lost race exactly as before.

Example::

    _OWNED = Sql.of("SELECT id FROM balls WHERE owner = {p} AND id {any}")
    rows(conn, _OWNED, "u1", ["b1", "b2"])  # [("b1",)]
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import pyarrow as pa
from sqlalchemy.exc import DBAPIError

from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

_POSTGRESQL = {"p": "%s", "any": "= ANY(CAST(%b AS TEXT[]))", "lock": "FOR UPDATE"}
_SQLITE = {"p": "?", "any": "IN (SELECT value FROM json_each(?))", "lock": ""}
_ARROW = {"text": pa.string(), "bigint": pa.int64()}

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Sql:
    """One statement's text on each engine (and, for row batches, its columns' types)."""

    postgresql: str
    sqlite: str
    columns: tuple[str, ...] = ()
    """For ``execute_columns``: each bound column's type, ``text`` or ``bigint``."""

    @classmethod
    def of(cls, template: str) -> Sql:
        """The same statement on both engines: ``{p}`` is a parameter, ``{any}`` reads "is one of
        the text values of a list parameter", ``{lock}`` is ``FOR UPDATE`` on PostgreSQL only."""
        return cls(template.replace("%", "%%").format(**_POSTGRESQL), template.format(**_SQLITE))

    @classmethod
    def insert(cls, table: str, columns: Sequence[tuple[str, str]], tail: str = "") -> Sql:
        """``INSERT`` of a batch of rows into ``table``'s ``(name, type)`` columns, then ``tail``
        (e.g. ``ON CONFLICT DO NOTHING``)."""
        names = ", ".join(name for name, _ in columns)
        arrays = ", ".join(f"CAST(%b AS {kind.upper()}[])" for _, kind in columns)
        marks = ", ".join("?" for _ in columns)
        return cls(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}".rstrip(),
            f"INSERT INTO {table} ({names}) VALUES ({marks}) {tail}".rstrip(),
            tuple(kind for _, kind in columns),
        )


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    """A query and what its rows become: run alone (``read``) or sent with others
    (``read_all``). Without ``sql`` there is nothing to ask (an empty list of ids) and the
    value is ``parse([])``."""

    sql: Sql | None
    params: tuple[Any, ...]
    parse: Callable[[Rows], T]


def read(conn: UnitOfWork, query: Read[T]) -> T:
    """The value of one ``Read``."""
    if query.sql is None:
        return query.parse([])
    return query.parse(rows(conn, query.sql, *query.params))


@overload
def read_all(conn: UnitOfWork, a: Read[A], b: Read[B], /) -> tuple[A, B]: ...
@overload
def read_all(conn: UnitOfWork, a: Read[A], b: Read[B], c: Read[C], /) -> tuple[A, B, C]: ...
def read_all(conn: UnitOfWork, *queries: Read[Any]) -> tuple[Any, ...]:
    """The values of independent reads, asked together: on PostgreSQL they go out in one
    pipeline and cost one round trip; on SQLite they run one after another."""
    asked = sum(query.sql is not None for query in queries)
    if conn.dialect.name != "postgresql" or asked < 2:
        return tuple(read(conn, query) for query in queries)
    raw: Any = conn.connection.dbapi_connection
    answers: list[Rows] = []
    try:
        with raw.pipeline():
            cursors = [_sent(raw, query) for query in queries]
            for cursor in cursors:
                answers.append([] if cursor is None else cursor.fetchall())
                if cursor is not None:
                    cursor.close()
    except conn.dialect.loaded_dbapi.Error as error:
        raise _translated(conn, Sql("pipeline", "pipeline"), (), error) from error
    return tuple(query.parse(found) for query, found in zip(queries, answers, strict=True))


def _sent(raw: Any, query: Read[Any]) -> Any:
    if query.sql is None:
        return None
    cursor = raw.cursor()
    cursor.execute(query.sql.postgresql, query.params)
    return cursor


def rows(conn: UnitOfWork, sql: Sql, *params: Any) -> list[tuple[Any, ...]]:
    """The rows ``sql`` answers for ``params`` (a list parameter is one array or JSON value)."""
    raw: Any = conn.connection.dbapi_connection
    try:
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cursor:
                cursor.execute(sql.postgresql, params)
                answered: list[tuple[Any, ...]] = cursor.fetchall() if cursor.description else []
                return answered
        found: list[tuple[Any, ...]] = raw.query(sql.sqlite, [_sqlite_value(v) for v in params])
        return found
    except conn.dialect.loaded_dbapi.Error as error:
        raise _translated(conn, sql, params, error) from error


def execute(conn: WriteUnitOfWork, sql: Sql, *params: Any) -> None:
    """Run a statement that answers no rows."""
    rows(conn, sql, *params)


def execute_columns(conn: WriteUnitOfWork, sql: Sql, columns: Sequence[Sequence[Any]]) -> None:
    """Run ``sql`` once for a batch of rows given column by column (all of equal length).

    PostgreSQL gets one array per column in one execution; SQLite one Arrow record batch that
    ADBC steps through in C, with no Python conversion per row.
    """
    if not columns or not columns[0]:
        return
    raw: Any = conn.connection.dbapi_connection
    try:
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cursor:
                cursor.execute(sql.postgresql, [list(column) for column in columns])
            return
        batch = pa.record_batch(
            [
                pa.array(column, type=_ARROW[kind])
                for column, kind in zip(columns, sql.columns, strict=True)
            ],
            names=[f"p{n}" for n in range(len(columns))],
        )
        raw.execute_batch(sql.sqlite, batch)
    except conn.dialect.loaded_dbapi.Error as error:
        raise _translated(conn, sql, columns, error) from error


@contextlib.contextmanager
def pipeline(conn: WriteUnitOfWork) -> Iterator[None]:
    """Send the block's writes (``execute``, ``execute_columns``) without waiting for each.

    On PostgreSQL the statements go out in psycopg's pipeline mode and are answered together
    when the block ends, in order: a batch's writes cost one round trip instead of one each,
    and an error (a transfer id seen before) is raised there, as SQLAlchemy's. Reads inside
    the block would wait for their own answer, so the block should only write. On SQLite,
    which has no round trips, it changes nothing.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    raw: Any = conn.connection.dbapi_connection
    try:
        with raw.pipeline():
            yield
    except conn.dialect.loaded_dbapi.Error as error:
        raise _translated(conn, Sql("pipeline", "pipeline"), (), error) from error


def _sqlite_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list) else value


def _translated(conn: UnitOfWork, sql: Sql, params: Any, error: Any) -> Exception:
    """The SQLAlchemy exception SQLAlchemy itself would have raised for the driver's ``error``.

    A lost connection is invalidated as SQLAlchemy would, so the retry that ``store.uow``
    makes next checks out a live one instead of failing on the dead one again.
    """
    text = sql.postgresql if conn.dialect.name == "postgresql" else sql.sqlite
    lost = conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, None)
    if lost:
        conn.invalidate(error)
    base: type[Exception] = conn.dialect.loaded_dbapi.Error
    translated: Exception = DBAPIError.instance(
        text, params, error, base, connection_invalidated=lost
    )
    return translated

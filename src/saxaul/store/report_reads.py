"""The impact report's inputs read from the store as typed Polars chunks, never a whole table.

Why here and why Arrow: the report's figures are Polars group-bys (``reports.impact``) over
tables that grow with the programme (events, awards, ledger transfers, participants). Reading
them through the bulk connection's Arrow batches (ADBC) keeps one chunk in memory at a time and
builds no Python row; the archive export (``reports.archive``) writes the same columns, so a
report over the archive and one over the store read the same inputs.

Each input is one SELECT of the columns the report (and the archive) needs; a ``Range`` bounds
it to the period. The statement is compiled with its values inlined (integers and the fixed
transfer kinds, nothing a participant typed), the same on both engines.

Example: ``for chunk in read(bulk, "awards", Range("day", 739890, 739921), 500_000): …`` → typed
frames of at most 500 000 awards of those days.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.engine import Dialect, make_url

from saxaul.store.bulk import BulkConnection, polars_type
from saxaul.store.erasure_repo import PAYMENT_COLUMNS
from saxaul.store.tables import (
    awards,
    demographics,
    events,
    ledger_transfers,
    participants,
    personal_keys,
    trees,
)

InputName = Literal["participants", "awards", "events", "transfers", "trees"]
INPUTS: tuple[InputName, ...] = ("participants", "awards", "events", "transfers", "trees")

_COLUMNS: dict[InputName, tuple[ColumnElement[Any], ...]] = {
    "participants": (
        participants.c.user_id,
        participants.c.enrolled_at_us,
        participants.c.consent_scopes,
        participants.c.withdrawn_at_us,
        demographics.c.gender,
        demographics.c.birth_year,
        demographics.c.province,
    ),
    "awards": (
        awards.c.id,
        awards.c.user_id,
        awards.c.behaviour,
        awards.c.day,
        awards.c.pack_id,
        awards.c.pack_version,
        awards.c.avoided_mg,
        awards.c.energy_g,
        awards.c.created_at_us,
    ),
    "events": (
        events.c.dedupe_key,
        events.c.user_id,
        events.c.behaviour,
        events.c.occurred_at_us,
        events.c.day,
        events.c.status,
        events.c.award_id,
    ),
    "transfers": (
        ledger_transfers.c.seq,
        ledger_transfers.c.debit_account,
        ledger_transfers.c.credit_account,
        ledger_transfers.c.amount_g,
        ledger_transfers.c.kind,
        ledger_transfers.c.at_us,
    ),
    "trees": (
        trees.c.id,
        trees.c.initiator,
        trees.c.mode,
        trees.c.status,
        trees.c.created_at_us,
        trees.c.promised_at_us,
    ),
}
_KEYS: dict[InputName, ColumnElement[Any]] = {
    "participants": participants.c.user_id,
    "awards": awards.c.id,
    "events": events.c.dedupe_key,
    "transfers": ledger_transfers.c.seq,
    "trees": trees.c.id,
}


ARCHIVED: dict[InputName, tuple[ColumnElement[Any], ...]] = {
    "participants": (participants.c.consent_at_us, personal_keys.c.data_key),
    "events": (
        events.c.quantity,
        events.c.credited_mg,
        *(events.c[name] for name in PAYMENT_COLUMNS),
        personal_keys.c.data_key,
    ),
}
"""What an ``archived`` read adds to the report's columns: what rescoring the events needs
(consent, quantity, the stored credit, the payment details) and each participant's archive data
key (NULL: none, or erased), which the export seals the personal columns with
(``reports.personal_seal``) and then drops."""

_DIALECTS: dict[str, Dialect] = {
    name: make_url(f"{name}://").get_dialect()() for name in ("sqlite", "postgresql")
}


@dataclass(frozen=True, slots=True)
class Range:
    """Rows whose ``column`` is in ``[low, high)``; ``None``: unbounded on that side."""

    column: str
    low: int | None = None
    high: int | None = None

    def holds(self) -> pl.Expr:
        """The range as a Polars predicate (for inputs not read through SQL)."""
        column = pl.col(self.column)
        return (pl.lit(True) if self.low is None else column >= self.low) & (
            pl.lit(True) if self.high is None else column < self.high
        )


def schema(name: InputName, *, archived: bool = False) -> dict[str, pl.DataType]:
    """The Polars types of an input's columns (from the table definitions: SQLite's driver
    guesses a type per batch, and a batch of NULLs has none)."""
    columns = _columns(name, archived)
    return {c.name: polars_type(c.type)() for c in columns}


def read(
    bulk: BulkConnection,
    name: InputName,
    where: Range | None,
    chunk_rows: int | None,
    *,
    kinds: Sequence[str] = (),
    ordered: bool = False,
    archived: bool = False,
) -> Iterator[pl.DataFrame]:
    """The rows of input ``name`` within ``where`` as frames of at most ``chunk_rows`` rows
    (``None``: one frame). ``kinds`` limits the transfers to those kinds; ``ordered`` sorts by
    the input's key, so that an export of the same rows writes the same bytes; ``archived`` adds
    the columns only the archive keeps (``ARCHIVED``).

    At least one frame is yielded, empty if no row matches, so a caller always has the schema.
    """
    sql = _compile(bulk, _query(name, where, kinds, ordered, archived))
    types = schema(name, archived=archived)
    empty = True
    for batch in bulk.batches(sql, chunk_rows):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        empty = False
        yield frame.cast(types)  # type: ignore[arg-type]
    if empty:
        yield pl.DataFrame(schema=types)


def _columns(name: InputName, archived: bool) -> tuple[ColumnElement[Any], ...]:
    return (*_COLUMNS[name], *(ARCHIVED.get(name, ()) if archived else ()))


def _query(
    name: InputName, where: Range | None, kinds: Sequence[str], ordered: bool, archived: bool
) -> Select[Any]:
    query = select(*_columns(name, archived))
    if name == "participants":
        joined = participants.outerjoin(
            demographics, demographics.c.user_id == participants.c.user_id
        )
        if archived:
            joined = joined.outerjoin(
                personal_keys,
                (personal_keys.c.user_id == participants.c.user_id)
                & participants.c.erased_at_us.is_(None),
            )
        query = query.select_from(joined)
    elif name == "events" and archived:
        # erasure deletes the key and nulls the payment details: either way nothing is sealed
        query = query.select_from(
            events.outerjoin(personal_keys, personal_keys.c.user_id == events.c.user_id)
        )
    columns = {c.name: c for c in _COLUMNS[name]}
    if where is not None:
        column = columns[where.column]
        if where.low is not None:
            query = query.where(column >= where.low)
        if where.high is not None:
            query = query.where(column < where.high)
    if kinds:
        query = query.where(ledger_transfers.c.kind.in_(list(kinds)))
    return query.order_by(_KEYS[name]) if ordered else query


def _compile(bulk: BulkConnection, query: Select[Any]) -> str:
    dialect = _DIALECTS["sqlite" if bulk.sqlite else "postgresql"]
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

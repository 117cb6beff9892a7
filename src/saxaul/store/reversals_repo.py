"""What reversals read and write: the ``reversals`` table and the facts a clawback needs.

Every function runs in the batch's unit of work (``store.uow``), and takes a
whole batch at once (a handful of statements per batch, as ``ledger_repo`` does). A reversal row
is inserted once and never changed: its primary key (the reversal event) lets a replay find the
first answer, and its unique (source, original event) makes a second reversal of the same event
collide instead of taking the energy twice. ``at_us`` keeps the reversal event's
``occurred_at``; when the ledger learned of it is the ``at`` of its transfers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Row, func, insert, select, tuple_

from saxaul.domain.accounts import EXPIRED_ACCOUNT_ID
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.events import EventStatus
from saxaul.domain.ledger import TransferKind
from saxaul.domain.reversal import (
    CLAWBACK_PARTS,
    AwardCredit,
    Clawback,
    OriginalEvent,
    Pair,
    ReversalReason,
    ReversalRecord,
    ReversalRequest,
    ReversalStatus,
    reversal_key,
)
from saxaul.store.tables import awards, events, ledger_transfers, reversals
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


def _record(row: Row[Any]) -> ReversalRecord:
    request = ReversalRequest(
        source=row.source,
        event_id=row.event_id,
        original_event_id=row.original_event_id,
        reason=ReversalReason(row.reason),
        occurred_at=from_us(row.at_us),
    )
    return ReversalRecord(
        request, ReversalStatus(row.status), row.award_id, row.reversed_mg, row.reversed_g
    )


def stored(conn: UnitOfWork, reversal_events: Collection[Pair]) -> dict[Pair, ReversalRecord]:
    """The stored reversals of these reversal events, by (source, event id)."""
    if not reversal_events:
        return {}
    key = tuple_(reversals.c.source, reversals.c.event_id)
    rows = conn.execute(select(reversals).where(key.in_(sorted(reversal_events))))
    return {(row.source, row.event_id): _record(row) for row in rows}


def by_original(conn: UnitOfWork, originals: Collection[Pair]) -> dict[Pair, ReversalRecord]:
    """The stored reversals of these original events, by (source, original event id)."""
    if not originals:
        return {}
    key = tuple_(reversals.c.source, reversals.c.original_event_id)
    rows = conn.execute(select(reversals).where(key.in_(sorted(originals))))
    return {(row.source, row.original_event_id): _record(row) for row in rows}


def original_events(
    conn: UnitOfWork, keyed: Iterable[tuple[int, Pair]]
) -> dict[Pair, OriginalEvent]:
    """The stored events among ``(dedupe_key, (source, event_id))``, by (source, event id).

    Looked up by the key, kept only when source and id match too: two events whose 64-bit keys
    collide are never taken for one another.
    """
    wanted = dict(keyed)
    if not wanted:
        return {}
    rows = conn.execute(
        select(
            events.c.dedupe_key,
            events.c.source,
            events.c.event_id,
            events.c.status,
            events.c.credited_mg,
            events.c.award_id,
        ).where(events.c.dedupe_key.in_(sorted(wanted)))
    )
    return {
        (row.source, row.event_id): OriginalEvent(
            scored=row.status == EventStatus.SCORED.value,
            credited_mg=row.credited_mg,
            award_id=None if row.award_id is None else str(row.award_id),
        )
        for row in rows
        if wanted[row.dedupe_key] == (row.source, row.event_id)
    }


def award_credits(conn: UnitOfWork, award_ids: Collection[str]) -> dict[str, AwardCredit]:
    """Owner and worth of each award, by award id (as text: the ball's id)."""
    if not award_ids:
        return {}
    rows = conn.execute(
        select(awards.c.id, awards.c.user_id, awards.c.avoided_mg, awards.c.energy_g).where(
            awards.c.id.in_(sorted(int(award_id) for award_id in award_ids))
        )
    )
    return {str(row.id): AwardCredit(row.user_id, row.avoided_mg, row.energy_g) for row in rows}


def reversed_mg(conn: UnitOfWork, award_ids: Collection[str]) -> dict[str, int]:
    """Milligrams earlier reversals took out of each award."""
    if not award_ids:
        return {}
    rows = conn.execute(
        select(reversals.c.award_id, func.sum(reversals.c.reversed_mg))
        .where(
            reversals.c.award_id.in_(sorted(award_ids)),
            reversals.c.status == ReversalStatus.APPLIED.value,
        )
        .group_by(reversals.c.award_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def expired_reversed(conn: UnitOfWork, ball_ids: Collection[str]) -> dict[str, int]:
    """Grams earlier reversals took back from what expired from each ball."""
    if not ball_ids:
        return {}
    t = ledger_transfers.c
    rows = conn.execute(
        select(t.reference, func.sum(t.amount_g))
        .where(
            t.reference.in_(sorted(ball_ids)),
            t.debit_account == EXPIRED_ACCOUNT_ID,
            t.kind == TransferKind.REVERSAL.value,
        )
        .group_by(t.reference)
    )
    return {row[0]: int(row[1]) for row in rows}


def clawbacks(conn: UnitOfWork, reversal_events: Collection[Pair]) -> dict[Pair, Clawback]:
    """Where each applied reversal's grams came from, read back from its transfers."""
    ids = {
        f"{reversal_key(*pair)}:{part}": (pair, n)
        for pair in reversal_events
        for n, part in enumerate(CLAWBACK_PARTS)
    }
    if not ids:
        return {}
    parts: dict[Pair, list[int]] = {pair: [0] * len(CLAWBACK_PARTS) for pair in reversal_events}
    rows = conn.execute(
        select(ledger_transfers.c.id, ledger_transfers.c.amount_g).where(
            ledger_transfers.c.id.in_(sorted(ids))
        )
    )
    for transfer_id, amount_g in rows:
        pair, n = ids[transfer_id]
        parts[pair][n] = amount_g
    return {
        pair: Clawback(ball, expired, balance, debt)
        for pair, (ball, expired, balance, debt) in parts.items()
    }


def insert_records(conn: WriteUnitOfWork, records: Iterable[ReversalRecord]) -> None:
    """Store reversals; a reversal event or original event seen before violates a key."""
    rows = [
        {
            "source": record.request.source,
            "event_id": record.request.event_id,
            "original_event_id": record.request.original_event_id,
            "reason": record.request.reason.value,
            "award_id": record.award_id,
            "reversed_mg": record.reversed_mg,
            "reversed_g": record.reversed_g,
            "status": record.status.value,
            "at_us": to_us(record.request.occurred_at),
        }
        for record in records
    ]
    if rows:
        conn.execute(insert(reversals), rows)

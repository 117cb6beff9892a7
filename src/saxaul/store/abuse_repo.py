"""Abuse flags in the database, and the reads the detectors and the mint job need.

Why flags are written two ways: the plausibility rules flag awards inside an import's bulk
transaction (Arrow staging, ``stage_award_flags``), the detectors and the review queue through
ordinary units of work. Both insert ``ON CONFLICT (key) DO NOTHING``: a flag's ``key`` names
what was flagged, so a re-run of an import or of a scan never raises the same flag twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from typing import Any

import polars as pl
from sqlalchemy import and_, func, select, update

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.holds import Flag, FlagStatus
from saxaul.domain.ledger import TransferKind
from saxaul.store.bulk import BulkConnection
from saxaul.store.conflicts import insert_on_conflict
from saxaul.store.tables import abuse_flags, balls, ledger_transfers, trees
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

FLAG_COLUMNS = (
    "key",
    "user_id",
    "rule_id",
    "rules_ref",
    "reason_en",
    "reason_zh",
    "evidence",
    "award_id",
    "held_g",
    "status",
    "created_at_us",
)
_STAGE = "abuse_flags_new"


def stage_award_flags(bulk: BulkConnection, flags: pl.DataFrame) -> int:
    """Insert the plausibility flags of an import's chunk (``FLAG_COLUMNS``); new ones only."""
    if flags.height == 0:
        return 0
    bulk.stage(_STAGE, flags.select(FLAG_COLUMNS))
    return bulk.insert_from_stage(abuse_flags.name, FLAG_COLUMNS, _STAGE, conflict="key")


def held_awards(bulk: BulkConnection, first_id: int, last_id: int) -> dict[int, int]:
    """Award id → open flag id, for the awards ``first_id..last_id`` an import flagged: the
    mint job's one extra query per batch (an index range scan that finds nothing when nothing
    is flagged)."""
    found = bulk.query(
        "SELECT award_id, id FROM abuse_flags WHERE award_id BETWEEN "
        f"{int(first_id)} AND {int(last_id)} AND status = '{FlagStatus.OPEN.value}'"
    )
    return dict(zip(found["award_id"].to_list(), found["id"].to_list(), strict=True))


def insert_flags(conn: WriteUnitOfWork, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert detector flags (``FLAG_COLUMNS`` each); key → id of those that are new."""
    if not rows:
        return {}
    keys = [row["key"] for row in rows]
    before = set(
        conn.execute(select(abuse_flags.c.key).where(abuse_flags.c.key.in_(keys))).scalars()
    )
    fresh = [row for row in rows if row["key"] not in before]
    if not fresh:
        return {}
    conn.execute(insert_on_conflict(conn, abuse_flags).on_conflict_do_nothing(), fresh)
    found = conn.execute(
        select(abuse_flags.c.key, abuse_flags.c.id).where(
            abuse_flags.c.key.in_([row["key"] for row in fresh])
        )
    ).all()
    return {key: flag_id for key, flag_id in found}


def set_held(conn: WriteUnitOfWork, flag_id: int, held_g: int) -> None:
    """Record what a detector's flag managed to hold (the participant's balance allowed)."""
    conn.execute(update(abuse_flags).where(abuse_flags.c.id == flag_id).values(held_g=held_g))


def _flag(row: Any) -> Flag:
    return Flag(
        id=row.id,
        user_id=row.user_id,
        rule_id=row.rule_id,
        rules_ref=row.rules_ref,
        reason_en=row.reason_en,
        reason_zh=row.reason_zh,
        evidence=json.loads(row.evidence),
        held_g=row.held_g,
        status=FlagStatus(row.status),
        created_at=from_us(row.created_at_us),
        ball_id=None if row.award_id is None else str(row.award_id),
        decided_by=row.decided_by,
        decided_at=None if row.decided_at_us is None else from_us(row.decided_at_us),
        note=row.note,
        key=row.key,
    )


def lock_flag(conn: WriteUnitOfWork, flag_id: int) -> Flag | None:
    """The flag, locked until commit (``FOR UPDATE`` on PostgreSQL; SQLite's writer is one)."""
    row = conn.execute(
        select(abuse_flags).where(abuse_flags.c.id == flag_id).with_for_update()
    ).one_or_none()
    return None if row is None else _flag(row)


def decide(
    conn: WriteUnitOfWork,
    flag_id: int,
    status: FlagStatus,
    by: str,
    at: dt.datetime,
    note: str | None,
) -> bool:
    """Close an open flag; ``False`` if it was no longer open (another decision won)."""
    done = conn.execute(
        update(abuse_flags)
        .where(abuse_flags.c.id == flag_id, abuse_flags.c.status == FlagStatus.OPEN.value)
        .values(status=status.value, decided_by=by, decided_at_us=to_us(at), note=note)
    )
    return done.rowcount == 1


def page(
    conn: UnitOfWork, status: FlagStatus | None, limit: int, after_id: int
) -> tuple[list[Flag], int]:
    """Flags with id above ``after_id`` (oldest first), optionally of one status; and the
    matching total."""
    where = [abuse_flags.c.status == status.value] if status is not None else []
    rows = conn.execute(
        select(abuse_flags)
        .where(abuse_flags.c.id > after_id, *where)
        .order_by(abuse_flags.c.id)
        .limit(limit)
    ).all()
    total = conn.execute(select(func.count()).select_from(abuse_flags).where(*where)).scalar_one()
    return [_flag(row) for row in rows], int(total)


def flags_of_balls(conn: UnitOfWork, ball_ids: Collection[str]) -> dict[str, Flag]:
    """The newest flag of each of these balls that has one (what a participant is shown)."""
    award_ids = [int(b) for b in ball_ids if b.isdigit()]
    if not award_ids:
        return {}
    rows = conn.execute(
        select(abuse_flags).where(abuse_flags.c.award_id.in_(award_ids)).order_by(abuse_flags.c.id)
    ).all()
    return {str(row.award_id): _flag(row) for row in rows}


def ball_expiry(conn: UnitOfWork, ball_id: str) -> dt.datetime | None:
    """When ball ``ball_id`` expires, or ``None`` if it was never minted."""
    found = conn.execute(
        select(balls.c.expires_at_us).where(balls.c.id == ball_id)
    ).scalar_one_or_none()
    return None if found is None else from_us(found)


# ---------------------------------------------------------------- what the detectors read

MOVE_KINDS = (TransferKind.STEAL, TransferKind.WATER, TransferKind.COLLECT, TransferKind.POOL)
"""The moves a participant makes in the game, as the ledger records them."""


def moves(conn: UnitOfWork, since: dt.datetime, until: dt.datetime) -> pl.DataFrame:
    """Every steal, watering, collect and co-planting share in ``[since, until)``: ``kind,
    debit, credit, amount_g, at_us``; for takes from a ball, ``ripens_at_us`` and the ball's
    ``owner``; for a share pooled into a tree, the tree's ``initiator`` (null otherwise).

    Why the text columns come through ``COALESCE``: SQLite's Arrow driver types a column from
    the first rows it reads, so a window opening with waterings (no ball owner) would type the
    owner as an integer and fail on the first steal; ids are never empty, so ``""`` is null."""
    t = ledger_transfers.c
    rows = conn.execute(
        select(
            t.kind,
            t.debit_account,
            t.credit_account,
            t.amount_g,
            t.at_us,
            balls.c.ripens_at_us,
            func.coalesce(balls.c.owner, ""),
            func.coalesce(trees.c.initiator, ""),
        )
        .select_from(
            ledger_transfers.outerjoin(
                balls,
                and_(
                    balls.c.id == t.reference,
                    t.kind.in_([TransferKind.STEAL.value, TransferKind.COLLECT.value]),
                ),
            ).outerjoin(trees, and_(trees.c.id == t.reference, t.kind == TransferKind.POOL.value))
        )
        .where(
            t.kind.in_([k.value for k in MOVE_KINDS]),
            t.at_us >= to_us(since),
            t.at_us < to_us(until),
        )
        .order_by(t.seq)
    ).all()
    return pl.DataFrame(
        [tuple(row) for row in rows],
        schema={
            "kind": pl.String,
            "debit": pl.String,
            "credit": pl.String,
            "amount_g": pl.Int64,
            "at_us": pl.Int64,
            "ripens_at_us": pl.Int64,
            "owner": pl.String,
            "initiator": pl.String,
        },
        orient="row",
    ).with_columns(pl.col("owner", "initiator").replace("", None))


def awarded(conn: UnitOfWork, since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Grams awarded to each participant's balls in ``[since, until)``."""
    t = ledger_transfers.c
    rows = conn.execute(
        select(balls.c.owner, func.sum(t.amount_g))
        .select_from(ledger_transfers.join(balls, balls.c.id == t.reference))
        .where(
            t.kind == TransferKind.AWARD.value,
            t.at_us >= to_us(since),
            t.at_us < to_us(until),
        )
        .group_by(balls.c.owner)
    ).all()
    return {owner: int(grams) for owner, grams in rows}

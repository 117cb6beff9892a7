"""Energy balls in the database: a ball's row joined with what its ledger account says.

Why a ball is read from two tables: its award (amount, times, owner) is written once by the mint
job (``ball_bulk``); what happened to it since — who took how much, what expired, what a
reversal took back — is ledger history that names the ball (``reference``), so a ball read here
is always what the ledger says, never a second copy to keep in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from sqlalchemy import select

from saxaul.domain import accounts
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.energy import Ball
from saxaul.domain.ledger import AccountKind, TransferKind
from saxaul.store import setwise
from saxaul.store.tables import balls, ledger_accounts, ledger_transfers
from saxaul.store.uow import UnitOfWork

_TAKES = (TransferKind.COLLECT, TransferKind.STEAL, TransferKind.EXPIRE, TransferKind.REVERSAL)


def load_balls(
    conn: UnitOfWork, ball_ids: Collection[str], balances: Mapping[str, int]
) -> dict[str, Ball]:
    """The balls with these ids: remaining from the (locked) balance, takes from history."""
    if not ball_ids:
        return {}
    ids = sorted(ball_ids)
    history: dict[str, list[tuple[str, str, int]]] = {ball_id: [] for ball_id in ids}
    taken = (
        select(
            ledger_transfers.c.reference,
            ledger_transfers.c.kind,
            ledger_transfers.c.credit_account,
            ledger_transfers.c.debit_account,
            ledger_transfers.c.amount_g,
        )
        .where(
            setwise.any_of(conn, ledger_transfers.c.reference, ids),
            ledger_transfers.c.kind.in_([k.value for k in _TAKES]),
            ledger_transfers.c.debit_account.like(accounts.prefix(AccountKind.BALL) + "%"),
        )
        .order_by(ledger_transfers.c.seq)
    )
    for row in conn.execute(taken):
        history[row.reference].append((row.kind, row.credit_account, row.amount_g))
    out: dict[str, Ball] = {}
    for row in conn.execute(select(balls).where(setwise.any_of(conn, balls.c.id, ids))):
        takes = history[row.id]
        taken_by = tuple(
            (accounts.key_of(credit, AccountKind.PARTICIPANT), grams)
            for kind, credit, grams in takes
            if kind in (TransferKind.COLLECT, TransferKind.STEAL)
        )
        expired_g = sum(g for kind, _, g in takes if kind == TransferKind.EXPIRE)
        reversed_g = sum(g for kind, _, g in takes if kind == TransferKind.REVERSAL)
        out[row.id] = Ball(
            id=row.id,
            owner=row.owner,
            behaviour=row.behaviour,
            amount_g=row.amount_g - reversed_g,
            created_at=from_us(row.created_at_us),
            ripens_at=from_us(row.ripens_at_us),
            expires_at=from_us(row.expires_at_us),
            remaining_g=balances.get(accounts.ball_account_id(row.id), 0),
            taken_by=taken_by,
            expired_g=expired_g,
        )
    return out


def due_balls(conn: UnitOfWork, now: dt.datetime, limit: int) -> list[str]:
    """Up to ``limit`` balls past their expiry with energy left, in id order."""
    due = conn.execute(
        select(balls.c.id)
        .join(
            ledger_accounts, ledger_accounts.c.id == accounts.prefix(AccountKind.BALL) + balls.c.id
        )
        .where(balls.c.expires_at_us <= to_us(now), ledger_accounts.c.balance_g > 0)
        .order_by(balls.c.id)
        .limit(limit)
    ).scalars()
    return list(due)


def live_balls(conn: UnitOfWork, owner: str, now: dt.datetime) -> dict[str, Ball]:
    """``owner``'s balls not yet expired that still hold energy, oldest first."""
    rows = conn.execute(
        select(balls.c.id, ledger_accounts.c.balance_g)
        .join(
            ledger_accounts, ledger_accounts.c.id == accounts.prefix(AccountKind.BALL) + balls.c.id
        )
        .where(
            balls.c.owner == owner,
            balls.c.expires_at_us > to_us(now),
            ledger_accounts.c.balance_g > 0,
        )
        .order_by(balls.c.ripens_at_us, balls.c.id)
    ).all()
    loaded = load_balls(
        conn, [r.id for r in rows], {accounts.ball_account_id(r.id): r.balance_g for r in rows}
    )
    return {row.id: loaded[row.id] for row in rows}

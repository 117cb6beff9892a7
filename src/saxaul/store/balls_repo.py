"""Energy balls in the database: a ball's row joined with what its ledger account says.

Why a ball is read from two tables: its award (amount, times, owner) is written once by the mint
job (``ball_bulk``); what happened to it since — who took how much, what expired, what a
reversal took back — is ledger history that names the ball (``reference``), so a ball read here
is always what the ledger says, never a second copy to keep in step.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select

from saxaul.domain import accounts
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.energy import Ball
from saxaul.domain.ledger import AccountKind, TransferKind
from saxaul.store import driver
from saxaul.store.driver import Read, Sql
from saxaul.store.tables import LIVE_BALL_ACCOUNT, balls, ledger_accounts
from saxaul.store.uow import UnitOfWork

_TAKES = (TransferKind.COLLECT, TransferKind.STEAL, TransferKind.EXPIRE, TransferKind.REVERSAL)


def _load_sql() -> Sql:
    takes = ", ".join(f"'{kind.value}'" for kind in _TAKES)
    return Sql.of(
        "SELECT b.id, b.owner, b.behaviour, b.amount_g, b.created_at_us, b.ripens_at_us, "
        "b.expires_at_us, COALESCE(t.kind, ''), COALESCE(t.credit_account, ''), "
        "COALESCE(t.amount_g, 0) FROM balls AS b "
        f"LEFT JOIN ledger_transfers AS t ON t.reference = b.id AND t.kind IN ({takes}) "
        f"AND t.debit_account LIKE '{accounts.prefix(AccountKind.BALL)}%' "
        "WHERE b.id {any} ORDER BY b.id, t.seq"
    )


_LOAD = _load_sql()
"""A ball's row once per take of it (or once with an empty take), takes in ledger order.

Why ``COALESCE``: ADBC's SQLite reader types a column from its first rows, so a column that is
NULL there (balls nobody took) and text further on would fail; an empty kind is no take."""


def load_balls(
    conn: UnitOfWork, ball_ids: Collection[str], balances: Mapping[str, int]
) -> dict[str, Ball]:
    """The balls with these ids: remaining from the (locked) balance, takes from history."""
    return driver.read(conn, balls_read(ball_ids, balances))


def balls_read(ball_ids: Collection[str], balances: Mapping[str, int]) -> Read[dict[str, Ball]]:
    """``load_balls`` as a ``Read``, to be sent with others (``driver.read_all``)."""
    if not ball_ids:
        return Read(None, (), lambda _: {})
    return Read(_LOAD, (sorted(ball_ids),), lambda found: _balls(found, balances))


def _balls(found: driver.Rows, balances: Mapping[str, int]) -> dict[str, Ball]:
    # One mint run gives all its balls the same three instants, so a batch's balls share a
    # handful of them: each is converted once (``from_us`` was 5 % of a pilot's mornings).
    instant = functools.cache(from_us)
    loaded: dict[str, tuple[tuple[Any, ...], list[tuple[str, str, int]]]] = {}
    for row in found:
        ball_id, kind, credit, grams = row[0], row[7], row[8], row[9]
        _, takes = loaded.setdefault(ball_id, (row, []))
        if kind:
            takes.append((kind, credit, grams))
    out: dict[str, Ball] = {}
    for ball_id, (row, takes) in loaded.items():
        _, owner, behaviour, amount_g, created_us, ripens_us, expires_us = row[:7]
        taken_by = tuple(
            (accounts.key_of(credit, AccountKind.PARTICIPANT), grams)
            for kind, credit, grams in takes
            if kind in (TransferKind.COLLECT, TransferKind.STEAL)
        )
        expired_g = sum(g for kind, _, g in takes if kind == TransferKind.EXPIRE)
        reversed_g = sum(g for kind, _, g in takes if kind == TransferKind.REVERSAL)
        out[ball_id] = Ball(
            id=ball_id,
            owner=owner,
            behaviour=behaviour,
            amount_g=amount_g - reversed_g,
            created_at=instant(created_us),
            ripens_at=instant(ripens_us),
            expires_at=instant(expires_us),
            remaining_g=balances.get(accounts.ball_account_id(ball_id), 0),
            taken_by=taken_by,
            expired_g=expired_g,
        )
    return out


LIVE_BALLS = (
    "ledger_accounts JOIN balls ON balls.id = "
    f"substr(ledger_accounts.id, {len(accounts.prefix(AccountKind.BALL)) + 1}) "
    f"WHERE {LIVE_BALL_ACCOUNT}"
)
"""Every ball whose account still holds energy, read from the live side (the partial index on
``LIVE_BALL_ACCOUNT``): reads over the whole population cost what is live, not every ball ever
minted. A ``FROM … WHERE`` to continue with ``AND``."""
_DUE = Sql.of(
    f"SELECT balls.id FROM {LIVE_BALLS} AND balls.expires_at_us <= {{p}} ORDER BY balls.id"
)


def due_balls(conn: UnitOfWork, now: dt.datetime) -> list[str]:
    """Every ball past its expiry with energy left, in id order (one pass over the live
    balls; a day's due balls at 1:100 of the pilot are some hundred thousand ids)."""
    return [ball_id for (ball_id,) in driver.rows(conn, _DUE, to_us(now))]


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

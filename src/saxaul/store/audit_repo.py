"""What the ledger audit reads: balances recomputed from transfers, and what is cached.

Why apart from the game's queries: these scan whole tables, once per audit, and must never be
mistaken for something a move may call. Run them in one unit of work (``store.uow``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import Select, Subquery, func, select, union_all

from saxaul.domain.ledger import Account, AccountKind
from saxaul.store import partitions
from saxaul.store.partitions import ledger_openings
from saxaul.store.tables import balls, ledger_accounts, ledger_transfers
from saxaul.store.uow import UnitOfWork

STREAM_ROWS = 100_000
"""Accounts read per fetch while streaming: memory holds one batch, not the ledger."""


class AccountBalance(NamedTuple):
    """One open account, its cached balance (``None``: it keeps none) and the sum of its
    transfers from its opening balance."""

    account: Account
    cached_g: int | None
    derived_g: int


def _movements(conn: UnitOfWork) -> Subquery:
    """Every transfer as two signed rows (debit −, credit +), plus the opening balances
    archived transfer partitions left (``store.partitions``)."""
    t = ledger_transfers.c
    parts: list[Select[tuple[str, int]]] = [
        select(t.debit_account.label("account"), (-t.amount_g).label("g")),
        select(t.credit_account.label("account"), t.amount_g.label("g")),
    ]
    if partitions.partitioned(conn):
        o = ledger_openings.c
        parts.append(select(o.account_id.label("account"), o.balance_g.label("g")))
    return union_all(*parts).subquery()


def account_balances(conn: UnitOfWork) -> Iterator[list[AccountBalance]]:
    """Every open account beside the sum of its transfers, in batches of ``STREAM_ROWS``: the
    sums are grouped by the database, so an audit of tens of millions of accounts holds one
    batch (the whole ledger as Python objects measured 20 GiB at 46 M accounts)."""
    moves = _movements(conn)
    derived = (
        select(moves.c.account, func.sum(moves.c.g).label("g")).group_by(moves.c.account)
    ).subquery()
    a = ledger_accounts.c
    query = select(
        a.id, a.kind, a.user_id, a.balance_g, func.coalesce(derived.c.g, 0)
    ).outerjoin_from(ledger_accounts, derived, derived.c.account == a.id)
    result = conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(query)
    for rows in result.partitions():
        yield [
            AccountBalance(Account(r[0], AccountKind(r[1]), r[2]), r[3], int(r[4])) for r in rows
        ]


def unopened_balances(conn: UnitOfWork) -> dict[str, int]:
    """Balances of accounts transfers name but ``ledger_accounts`` does not hold (a sound
    ledger has none)."""
    moves = _movements(conn)
    opened = select(ledger_accounts.c.id).where(ledger_accounts.c.id == moves.c.account)
    rows = conn.execute(
        select(moves.c.account, func.sum(moves.c.g))
        .where(~opened.exists())
        .group_by(moves.c.account)
    )
    return {account: int(grams) for account, grams in rows}


def transfer_counts(conn: UnitOfWork) -> tuple[int, int]:
    """How many transfers are stored, and how many distinct ids they have."""
    t = ledger_transfers.c
    count, distinct = conn.execute(select(func.count(), func.count(t.id.distinct()))).one()
    return int(count), int(distinct)


def misfunded_balls(conn: UnitOfWork) -> list[str]:
    """Balls whose award transfer moved a different amount than the ball holds."""
    t = ledger_transfers.c
    rows = conn.execute(
        select(balls.c.id)
        .join(ledger_transfers, t.credit_account == "ball:" + balls.c.id)
        .where(t.kind == "award", t.amount_g != balls.c.amount_g)
    )
    return [row.id for row in rows]

"""What the ledger audit reads: balances recomputed from transfers, and what is cached.

Why apart from the game's queries: these scan whole tables, once per audit, and must never be
mistaken for something a move may call. Run them in one unit of work (``store.uow``).
"""

from __future__ import annotations

from sqlalchemy import func, select, union_all

from saxaul.domain.ledger import Account, AccountKind
from saxaul.store import partitions
from saxaul.store.tables import balls, ledger_accounts, ledger_transfers
from saxaul.store.uow import UnitOfWork


def derived_balances(conn: UnitOfWork) -> dict[str, int]:
    """Every account's balance as the sum of its transfers (credits minus debits), starting
    from the opening balance archived transfer partitions left it (``store.partitions``)."""
    t = ledger_transfers.c
    moves = union_all(
        select(t.debit_account.label("account"), (-t.amount_g).label("g")),
        select(t.credit_account.label("account"), t.amount_g.label("g")),
    ).subquery()
    rows = conn.execute(select(moves.c.account, func.sum(moves.c.g)).group_by(moves.c.account))
    balances = partitions.openings(conn)
    for account, grams in rows:
        balances[account] = balances.get(account, 0) + int(grams)
    return balances


def accounts_with_cache(conn: UnitOfWork) -> list[tuple[Account, int | None]]:
    """Every open account with its cached balance (``None``: it keeps no cache)."""
    rows = conn.execute(
        select(
            ledger_accounts.c.id,
            ledger_accounts.c.kind,
            ledger_accounts.c.user_id,
            ledger_accounts.c.balance_g,
        )
    )
    return [(Account(row.id, AccountKind(row.kind), row.user_id), row.balance_g) for row in rows]


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

"""The energy ledger in the database: accounts, transfers, and the locks a batch holds.

Why so few statements: a batch of any size (game moves, expiries, reversals) is read in a
handful of queries and written in about five, so the cost of a move is shared by the whole
batch. Why the lock: every account a batch may debit (the players', the balls', the tree pools)
is locked first, in id order, before anything about them is read — ``SELECT … FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite — so two batches touching the same ball or player run
one after the other and each reads what the other wrote. Facts about other players (a friend's
cover, a friendship) are read without a lock: a steal that races the owner's new cover is
ordered before it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import Column, bindparam, func, insert, literal, select, text, update

from saxaul.domain import accounts
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.ledger import Account, AccountKind, Transfer, TransferKind
from saxaul.store import setwise
from saxaul.store.conflicts import insert_on_conflict
from saxaul.store.tables import ledger_accounts, ledger_transfers, participants
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


def refresh_statistics(conn: WriteUnitOfWork) -> None:
    """Refresh PostgreSQL's planner statistics of the ledger tables after a bulk load.

    Why: right after minting a large import's balls, the planner still believes the tables are
    small and counts a player's waterings today by scanning every transfer (26 ms instead of
    6 ms per batch of 100 moves, bench/ledger.py) until autovacuum catches up.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE ledger_transfers, ledger_accounts, balls")


def open_participant_accounts(conn: WriteUnitOfWork, users: Collection[str], at_us: int) -> None:
    """Open ``user:<id>`` for each enrolled participant in ``users`` who has none yet."""
    if not users:
        return
    rows = select(
        literal(accounts.prefix(AccountKind.PARTICIPANT)) + participants.c.user_id,
        literal(AccountKind.PARTICIPANT.value),
        participants.c.user_id,
        literal(0),
        literal(at_us),
    ).where(setwise.any_of(conn, participants.c.user_id, users))
    statement = insert_on_conflict(conn, ledger_accounts).from_select(
        ["id", "kind", "user_id", "balance_g", "opened_at_us"], rows
    )
    conn.execute(statement.on_conflict_do_nothing())


def open_accounts(
    conn: WriteUnitOfWork, accounts: Iterable[Account], balances: Mapping[str, int], at_us: int
) -> None:
    """Open accounts (a new ball, a tree pool, a system account); existing ones are left alone.

    ``balances`` gives the opening cached balance of accounts that keep one; an account missing
    from it keeps none (system accounts: NULL, derived from transfers).
    """
    rows = [
        {
            "id": account.id,
            "kind": account.kind.value,
            "user_id": account.user_id,
            "balance_g": balances.get(account.id),
            "opened_at_us": at_us,
        }
        for account in accounts
    ]
    if rows:
        conn.execute(insert_on_conflict(conn, ledger_accounts).on_conflict_do_nothing(), rows)


def lock_accounts(
    conn: WriteUnitOfWork, account_ids: Collection[str]
) -> tuple[dict[str, Account], dict[str, int]]:
    """The open accounts among ``account_ids`` and their cached balances, locked until commit."""
    if not account_ids:
        return {}, {}
    query = (
        select(
            ledger_accounts.c.id,
            ledger_accounts.c.kind,
            ledger_accounts.c.user_id,
            ledger_accounts.c.balance_g,
        )
        .where(setwise.any_of(conn, ledger_accounts.c.id, account_ids))
        .order_by(ledger_accounts.c.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    accounts: dict[str, Account] = {}
    balances: dict[str, int] = {}
    for row in conn.execute(query):
        accounts[row.id] = Account(row.id, AccountKind(row.kind), row.user_id)
        if row.balance_g is not None:
            balances[row.id] = row.balance_g
    return accounts, balances


def owed(conn: UnitOfWork, users: Collection[str]) -> dict[str, int]:
    """Grams each of ``users`` owes (the negated balance of ``debt:<user>``), where > 0."""
    ids = [accounts.debt_account_id(user) for user in users]
    if not ids:
        return {}
    credit = _sums(conn, ledger_transfers.c.credit_account, ids)
    debit = _sums(conn, ledger_transfers.c.debit_account, ids)
    out: dict[str, int] = {}
    for account_id in set(credit) | set(debit):
        balance = credit.get(account_id, 0) - debit.get(account_id, 0)
        if balance < 0:
            out[accounts.key_of(account_id, AccountKind.DEBT)] = -balance
    return out


def _sums(conn: UnitOfWork, column: Column[str], ids: list[str]) -> dict[str, int]:
    rows = conn.execute(
        select(column, func.sum(ledger_transfers.c.amount_g))
        .where(setwise.any_of(conn, column, ids))
        .group_by(column)
    )
    return {row[0]: int(row[1]) for row in rows}


def moves_since(
    conn: UnitOfWork, users: Collection[str], since: dt.datetime
) -> tuple[Counter[str], Counter[str]]:
    """Steals made and waterings given by each of ``users`` since ``since`` (their local day)."""
    if not users:
        return Counter(), Counter()
    ids = sorted(accounts.participant_account_id(user) for user in users)
    t = ledger_transfers.c
    steals = _moves_by(conn, t.credit_account, TransferKind.STEAL, ids, to_us(since))
    waterings = _moves_by(conn, t.debit_account, TransferKind.WATER, ids, to_us(since))
    return steals, waterings


def _moves_by(
    conn: UnitOfWork, side: Column[str], kind: TransferKind, ids: list[str], at_us: int
) -> Counter[str]:
    """Transfers of ``kind`` since ``at_us`` per participant on ``side`` (thief or giver)."""
    t = ledger_transfers.c
    rows = conn.execute(
        select(side, func.count())
        .where(setwise.any_of(conn, side, ids), t.at_us >= at_us, t.kind == kind.value)
        .group_by(side)
    )
    return Counter({accounts.key_of(row[0], AccountKind.PARTICIPANT): int(row[1]) for row in rows})


_APPEND_PG = text(
    "INSERT INTO ledger_transfers "
    "(id, debit_account, credit_account, amount_g, kind, at_us, reference) SELECT * FROM unnest("
    "CAST(:id AS TEXT[]), CAST(:debit AS TEXT[]), CAST(:credit AS TEXT[]), "
    "CAST(:amount AS BIGINT[]), CAST(:kind AS TEXT[]), CAST(:at AS BIGINT[]), "
    "CAST(:reference AS TEXT[]))"
)

_MOVE_BALANCES_PG = text(
    "UPDATE ledger_accounts AS a SET balance_g = a.balance_g + d.delta "
    "FROM unnest(CAST(:account AS TEXT[]), CAST(:delta AS BIGINT[])) AS d(account, delta) "
    "WHERE a.id = d.account"
)

_MOVE_BALANCE = (
    update(ledger_accounts)
    .where(ledger_accounts.c.id == bindparam("account"))
    .values(balance_g=ledger_accounts.c.balance_g + bindparam("delta"))
)


def append_transfers(
    conn: WriteUnitOfWork, transfers: Iterable[Transfer], cached: Collection[str]
) -> None:
    """Record transfers and move the cached balances of the ``cached`` accounts they touch.

    On PostgreSQL two statements whatever the batch's size, the rows bound as one array per
    column (an ``executemany`` of balance updates was ~280 statements a batch of 100 moves);
    on SQLite an ``executemany`` each, which ADBC binds column-wise in one go (measured faster
    there than ``json_each``). A transfer id seen before raises the database's unique
    violation: the caller retries the batch, which then reads the winner's writes.
    """
    moved = list(transfers)
    if not moved:
        return
    deltas: Counter[str] = Counter()
    for transfer in moved:
        deltas[transfer.debit_account] -= transfer.amount_g
        deltas[transfer.credit_account] += transfer.amount_g
    changed = [{"account": a, "delta": d} for a, d in sorted(deltas.items()) if d and a in cached]
    if conn.dialect.name == "postgresql":
        conn.execute(
            _APPEND_PG,
            {
                "id": [t.id for t in moved],
                "debit": [t.debit_account for t in moved],
                "credit": [t.credit_account for t in moved],
                "amount": [t.amount_g for t in moved],
                "kind": [t.kind.value for t in moved],
                "at": [to_us(t.at) for t in moved],
                "reference": [t.reference for t in moved],
            },
        )
        if changed:
            conn.execute(
                _MOVE_BALANCES_PG,
                {
                    "account": [c["account"] for c in changed],
                    "delta": [c["delta"] for c in changed],
                },
            )
        return
    conn.execute(
        insert(ledger_transfers),
        [
            {
                "id": t.id,
                "debit_account": t.debit_account,
                "credit_account": t.credit_account,
                "amount_g": t.amount_g,
                "kind": t.kind.value,
                "at_us": to_us(t.at),
                "reference": t.reference,
            }
            for t in moved
        ],
    )
    if changed:
        conn.execute(_MOVE_BALANCE, changed)


def balance_of(conn: UnitOfWork, account_id: str) -> int:
    """The cached balance of one account (0 when it is not open yet)."""
    value = conn.execute(
        select(ledger_accounts.c.balance_g).where(ledger_accounts.c.id == account_id)
    ).scalar()
    return int(value or 0)


def energy_since(conn: UnitOfWork, users: Collection[str], since: dt.datetime) -> Counter[str]:
    """Energy each user gained from play since ``since``: collected, stolen and watered to them."""
    t = ledger_transfers.c
    gained: Counter[str] = Counter()
    kinds = [TransferKind.COLLECT.value, TransferKind.STEAL.value, TransferKind.WATER.value]
    for row in conn.execute(
        select(t.credit_account, func.sum(t.amount_g))
        .where(
            setwise.any_of(
                conn, t.credit_account, {accounts.participant_account_id(u) for u in users}
            ),
            t.at_us >= to_us(since),
            t.kind.in_(kinds),
        )
        .group_by(t.credit_account)
    ):
        gained[accounts.key_of(row[0], AccountKind.PARTICIPANT)] = int(row[1])
    return gained


def statement(
    conn: UnitOfWork, account_ids: Collection[str], limit: int, before_seq: int | None
) -> list[tuple[int, Transfer]]:
    """The latest transfers touching ``account_ids``, newest first, with their sequence."""
    t = ledger_transfers.c
    ids = sorted(account_ids)
    query = select(ledger_transfers).where(
        setwise.any_of(conn, t.debit_account, ids) | setwise.any_of(conn, t.credit_account, ids)
    )
    if before_seq is not None:
        query = query.where(t.seq < before_seq)
    rows = conn.execute(query.order_by(t.seq.desc()).limit(limit)).all()
    return [
        (
            row.seq,
            Transfer(
                id=row.id,
                debit_account=row.debit_account,
                credit_account=row.credit_account,
                amount_g=row.amount_g,
                kind=TransferKind(row.kind),
                at=from_us(row.at_us),
                reference=row.reference,
            ),
        )
        for row in rows
    ]

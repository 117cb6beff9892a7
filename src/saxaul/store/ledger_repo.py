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
import functools
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import func, literal, select

from saxaul.domain import accounts
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.ledger import Account, AccountKind, Transfer, TransferKind
from saxaul.store import driver, partitions, setwise
from saxaul.store.conflicts import insert_on_conflict
from saxaul.store.driver import Read, Sql
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


_OPEN = Sql.insert(
    "ledger_accounts",
    [
        ("id", "text"),
        ("kind", "text"),
        ("user_id", "text"),
        ("balance_g", "bigint"),
        ("opened_at_us", "bigint"),
    ],
    "ON CONFLICT DO NOTHING",
)


def open_accounts(
    conn: WriteUnitOfWork, accounts: Iterable[Account], balances: Mapping[str, int], at_us: int
) -> None:
    """Open accounts (a new ball, a tree pool, a system account); existing ones are left alone.

    ``balances`` gives the opening cached balance of accounts that keep one; an account missing
    from it keeps none (system accounts: NULL, derived from transfers).
    """
    opened = list(accounts)
    driver.execute_columns(
        conn,
        _OPEN,
        [
            [a.id for a in opened],
            [a.kind.value for a in opened],
            [a.user_id for a in opened],
            [balances.get(a.id) for a in opened],
            [at_us] * len(opened),
        ],
    )


_KINDS = {kind.value: kind for kind in AccountKind}
"""Account kinds by stored value: a dict lookup per locked row instead of ``AccountKind(…)``,
whose enum machinery cost 3 % of a pilot's mornings."""

_LOCK = Sql.of(
    "SELECT id, kind, user_id, balance_g FROM ledger_accounts WHERE id {any} ORDER BY id {lock}"
)


def lock_accounts(
    conn: WriteUnitOfWork, account_ids: Collection[str]
) -> tuple[dict[str, Account], dict[str, int]]:
    """The open accounts among ``account_ids`` and their cached balances, locked until commit."""
    if not account_ids:
        return {}, {}
    accounts: dict[str, Account] = {}
    balances: dict[str, int] = {}
    for account_id, kind, user_id, balance_g in driver.rows(conn, _LOCK, sorted(account_ids)):
        accounts[account_id] = Account(account_id, _KINDS[kind], user_id)
        if balance_g is not None:
            balances[account_id] = balance_g
    return accounts, balances


def _facts_sql() -> Sql:
    t = "FROM ledger_transfers WHERE"
    steal, water = TransferKind.STEAL.value, TransferKind.WATER.value
    return Sql.of(
        f"SELECT 'steal', credit_account, count(*) {t} credit_account {{any}} "
        f"AND at_us >= {{p}} AND kind = '{steal}' GROUP BY credit_account "
        f"UNION ALL SELECT 'water', debit_account, count(*) {t} debit_account {{any}} "
        f"AND at_us >= {{p}} AND kind = '{water}' GROUP BY debit_account "
        f"UNION ALL SELECT 'credit', credit_account, sum(amount_g) {t} credit_account {{any}} "
        "GROUP BY credit_account "
        f"UNION ALL SELECT 'debit', debit_account, sum(amount_g) {t} debit_account {{any}} "
        "GROUP BY debit_account"
    )


_FACTS = partitions.with_openings(_facts_sql(), "credit")
"""Debts are sums of all transfers: those archived count through their opening balances."""


DayFacts = tuple[Counter[str], Counter[str], dict[str, int]]


def day_facts(
    conn: UnitOfWork,
    counted: Collection[str],
    debtors: Collection[str],
    since: dt.datetime | None,
) -> DayFacts:
    """In one statement: the steals made and waterings given since ``since`` (their local day;
    ``None`` when ``counted`` is empty) by each of ``counted``, and what each of ``debtors``
    owes (``owed``)."""
    return driver.read(conn, day_facts_read(counted, debtors, since))


def day_facts_read(
    counted: Collection[str], debtors: Collection[str], since: dt.datetime | None
) -> Read[DayFacts]:
    """``day_facts`` as a ``Read``, to be sent with others (``driver.read_all``)."""
    if not counted and not debtors:
        return Read(None, (), lambda _: (Counter(), Counter(), {}))
    players = sorted(accounts.participant_account_id(user) for user in counted)
    debts = sorted(accounts.debt_account_id(user) for user in debtors)
    at_us = 0 if since is None else to_us(since)
    return Read(_FACTS, (players, at_us, players, at_us, debts, debts, debts), _day_facts)


def _day_facts(found: driver.Rows) -> DayFacts:
    steals: Counter[str] = Counter()
    waterings: Counter[str] = Counter()
    sums: dict[str, dict[str, int]] = {"credit": {}, "debit": {}}
    for tag, account_id, value in found:
        if tag == "steal":
            steals[accounts.key_of(account_id, AccountKind.PARTICIPANT)] = int(value)
        elif tag == "water":
            waterings[accounts.key_of(account_id, AccountKind.PARTICIPANT)] = int(value)
        else:
            sums[tag][account_id] = int(value)
    owed: dict[str, int] = {}
    for account_id in sums["credit"].keys() | sums["debit"].keys():
        balance = sums["credit"].get(account_id, 0) - sums["debit"].get(account_id, 0)
        if balance < 0:
            owed[accounts.key_of(account_id, AccountKind.DEBT)] = -balance
    return steals, waterings, owed


def owed(conn: UnitOfWork, users: Collection[str]) -> dict[str, int]:
    """Grams each of ``users`` owes (the negated balance of ``debt:<user>``), where > 0."""
    return day_facts(conn, (), users, None)[2]


_APPEND = Sql.insert(
    "ledger_transfers",
    [
        ("id", "text"),
        ("debit_account", "text"),
        ("credit_account", "text"),
        ("amount_g", "bigint"),
        ("kind", "text"),
        ("at_us", "bigint"),
        ("reference", "text"),
    ],
)
_MOVE_BALANCES = Sql(
    "UPDATE ledger_accounts AS a SET balance_g = a.balance_g + d.delta "
    "FROM unnest(CAST(%b AS TEXT[]), CAST(%b AS BIGINT[])) AS d(account, delta) "
    "WHERE a.id = d.account",
    "UPDATE ledger_accounts SET balance_g = balance_g + ?2 WHERE id = ?1",
    ("text", "bigint"),
)


def append_transfers(
    conn: WriteUnitOfWork, transfers: Iterable[Transfer], cached: Collection[str]
) -> None:
    """Record transfers and move the cached balances of the ``cached`` accounts they touch.

    Two statements whatever the batch's size, the rows bound column-wise
    (``driver.execute_columns``; an ``executemany`` of balance updates through SQLAlchemy was
    ~280 statements a batch of 100 moves on PostgreSQL). A transfer id seen before raises the
    database's unique violation: the caller retries the batch, which then reads the winner's
    writes.
    """
    moved = list(transfers)
    if not moved:
        return
    deltas: Counter[str] = Counter()
    for transfer in moved:
        deltas[transfer.debit_account] -= transfer.amount_g
        deltas[transfer.credit_account] += transfer.amount_g
    changed = [(a, d) for a, d in sorted(deltas.items()) if d and a in cached]
    at_us = functools.cache(to_us)  # a batch's transfers share its one ``now``
    driver.execute_columns(
        conn,
        _APPEND,
        [
            [t.id for t in moved],
            [t.debit_account for t in moved],
            [t.credit_account for t in moved],
            [t.amount_g for t in moved],
            [t.kind.value for t in moved],
            [at_us(t.at) for t in moved],
            [t.reference for t in moved],
        ],
    )
    driver.execute_columns(conn, _MOVE_BALANCES, [[a for a, _ in changed], [d for _, d in changed]])


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

"""Loading and saving the state a batch of game moves plays against (``domain.play.Table``).

Why so few statements: a batch of any size is read in about ten queries and written in about
five, so the cost of a move is shared by the whole batch. Why the lock: every account a batch
may debit (the players', the balls', the tree pools) is locked first, in id order, before
anything about them is read — ``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite — so two batches touching the same ball or player run one after the other and each reads
what the other wrote. Facts about other players (a friend's cover, a friendship) are read
without a lock: a steal that races the owner's new cover is ordered before it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import (
    Column,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.debts import debt_account_id
from saxaul.domain.energy import Ball
from saxaul.domain.ledger import Account, AccountKind, Transfer, TransferKind
from saxaul.domain.planting import Tree, TreeMode, TreeStatus
from saxaul.domain.protection import Cover
from saxaul.store import setwise
from saxaul.store.conflicts import insert_on_conflict
from saxaul.store.tables import (
    balls,
    covers,
    ledger_accounts,
    ledger_transfers,
    participants,
    tree_members,
    trees,
)
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

_TAKES = (TransferKind.COLLECT, TransferKind.STEAL, TransferKind.EXPIRE, TransferKind.REVERSAL)


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
        literal("user:") + participants.c.user_id,
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
    ids = [debt_account_id(user) for user in users]
    if not ids:
        return {}
    credit = _sums(conn, ledger_transfers.c.credit_account, ids)
    debit = _sums(conn, ledger_transfers.c.debit_account, ids)
    out: dict[str, int] = {}
    for account_id in set(credit) | set(debit):
        balance = credit.get(account_id, 0) - debit.get(account_id, 0)
        if balance < 0:
            out[account_id.removeprefix("debt:")] = -balance
    return out


def _sums(conn: UnitOfWork, column: Column[str], ids: list[str]) -> dict[str, int]:
    rows = conn.execute(
        select(column, func.sum(ledger_transfers.c.amount_g))
        .where(setwise.any_of(conn, column, ids))
        .group_by(column)
    )
    return {row[0]: int(row[1]) for row in rows}


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
            ledger_transfers.c.debit_account.like("ball:%"),
        )
        .order_by(ledger_transfers.c.seq)
    )
    for row in conn.execute(taken):
        history[row.reference].append((row.kind, row.credit_account, row.amount_g))
    out: dict[str, Ball] = {}
    for row in conn.execute(select(balls).where(setwise.any_of(conn, balls.c.id, ids))):
        takes = history[row.id]
        taken_by = tuple(
            (credit.removeprefix("user:"), grams)
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
            remaining_g=balances.get(f"ball:{row.id}", 0),
            taken_by=taken_by,
            expired_g=expired_g,
        )
    return out


def due_balls(conn: UnitOfWork, now: dt.datetime, limit: int) -> list[str]:
    """Up to ``limit`` balls past their expiry with energy left, in id order."""
    due = conn.execute(
        select(balls.c.id)
        .join(ledger_accounts, ledger_accounts.c.id == "ball:" + balls.c.id)
        .where(balls.c.expires_at_us <= to_us(now), ledger_accounts.c.balance_g > 0)
        .order_by(balls.c.id)
        .limit(limit)
    ).scalars()
    return list(due)


def load_trees(conn: UnitOfWork, tree_ids: Collection[str]) -> dict[str, Tree]:
    """The trees with these ids, with their planters and pooled shares in order."""
    if not tree_ids:
        return {}
    ids = sorted(tree_ids)
    members: dict[str, list[str]] = {tree_id: [] for tree_id in ids}
    for member in conn.execute(
        select(tree_members.c.tree_id, tree_members.c.user_id)
        .where(setwise.any_of(conn, tree_members.c.tree_id, ids))
        .order_by(tree_members.c.joined_at_us, tree_members.c.user_id)
    ):
        members[member.tree_id].append(member.user_id)
    shares: dict[str, list[tuple[str, int]]] = {tree_id: [] for tree_id in ids}
    share_query = (
        select(
            ledger_transfers.c.reference,
            ledger_transfers.c.debit_account,
            ledger_transfers.c.amount_g,
        )
        .where(
            setwise.any_of(conn, ledger_transfers.c.reference, ids),
            ledger_transfers.c.kind.in_([TransferKind.POOL.value, TransferKind.PLANT.value]),
            ledger_transfers.c.debit_account.like("user:%"),
        )
        .order_by(ledger_transfers.c.seq)
    )
    for share in conn.execute(share_query):
        shares[share.reference].append((share.debit_account.removeprefix("user:"), share.amount_g))
    out: dict[str, Tree] = {}
    for row in conn.execute(select(trees).where(setwise.any_of(conn, trees.c.id, ids))):
        out[row.id] = Tree(
            id=row.id,
            species_id=row.species_id,
            catalogue=row.catalogue,
            cost_g=row.cost_g,
            initiator=row.initiator,
            mode=TreeMode(row.mode),
            status=TreeStatus(row.status),
            members=tuple(members[row.id]),
            created_at=from_us(row.created_at_us),
            promised_at=None if row.promised_at_us is None else from_us(row.promised_at_us),
            shares=tuple(shares[row.id]),
        )
    return out


def covered_until(
    conn: UnitOfWork, users: Collection[str], now: dt.datetime
) -> dict[str, dt.datetime]:
    """The end of each user's cover still running at ``now``."""
    if not users:
        return {}
    rows = conn.execute(
        select(covers.c.user_id, func.max(covers.c.ends_at_us))
        .where(setwise.any_of(conn, covers.c.user_id, users), covers.c.ends_at_us > to_us(now))
        .group_by(covers.c.user_id)
    )
    return {row[0]: from_us(row[1]) for row in rows}


def moves_since(
    conn: UnitOfWork, users: Collection[str], since: dt.datetime
) -> tuple[Counter[str], Counter[str]]:
    """Steals made and waterings given by each of ``users`` since ``since`` (their local day)."""
    steals: Counter[str] = Counter()
    waterings: Counter[str] = Counter()
    if not users:
        return steals, waterings
    ids = sorted(f"user:{user}" for user in users)
    at_us = to_us(since)
    t = ledger_transfers.c
    for row in conn.execute(
        select(t.credit_account, func.count())
        .where(
            setwise.any_of(conn, t.credit_account, ids),
            t.at_us >= at_us,
            t.kind == TransferKind.STEAL.value,
        )
        .group_by(t.credit_account)
    ):
        steals[row[0].removeprefix("user:")] = int(row[1])
    for row in conn.execute(
        select(t.debit_account, func.count())
        .where(
            setwise.any_of(conn, t.debit_account, ids),
            t.at_us >= at_us,
            t.kind == TransferKind.WATER.value,
        )
        .group_by(t.debit_account)
    ):
        waterings[row[0].removeprefix("user:")] = int(row[1])
    return steals, waterings


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


def save_covers(conn: WriteUnitOfWork, new_covers: Iterable[Cover]) -> None:
    """Record new protection covers."""
    rows = [
        {
            "user_id": cover.user_id,
            "starts_at_us": to_us(cover.starts_at),
            "ends_at_us": to_us(cover.ends_at),
            "hours": cover.hours,
        }
        for cover in new_covers
    ]
    if rows:
        conn.execute(insert(covers), rows)


def save_trees(conn: WriteUnitOfWork, changed: Mapping[str, Tree], known: Collection[str]) -> None:
    """Insert new trees with their planters; update the status of known ones."""
    new = [tree for tree_id, tree in changed.items() if tree_id not in known]
    if new:
        conn.execute(
            insert(trees),
            [
                {
                    "id": tree.id,
                    "species_id": tree.species_id,
                    "catalogue": tree.catalogue,
                    "cost_g": tree.cost_g,
                    "initiator": tree.initiator,
                    "mode": tree.mode.value,
                    "status": tree.status.value,
                    "created_at_us": to_us(tree.created_at),
                    "promised_at_us": None if tree.promised_at is None else to_us(tree.promised_at),
                }
                for tree in new
            ],
        )
        conn.execute(
            insert(tree_members),
            [
                {"tree_id": tree.id, "user_id": member, "joined_at_us": to_us(tree.created_at) + n}
                for tree in new
                for n, member in enumerate(tree.members)
            ],
        )
    for tree_id, tree in changed.items():
        if tree_id in known:
            conn.execute(
                update(trees)
                .where(trees.c.id == tree_id)
                .values(
                    status=tree.status.value,
                    promised_at_us=None if tree.promised_at is None else to_us(tree.promised_at),
                )
            )


# ---------------------------------------------------------------- reads for the forest views


def live_balls(conn: UnitOfWork, owner: str, now: dt.datetime) -> dict[str, Ball]:
    """``owner``'s balls not yet expired that still hold energy, oldest first."""
    rows = conn.execute(
        select(balls.c.id, ledger_accounts.c.balance_g)
        .join(ledger_accounts, ledger_accounts.c.id == "ball:" + balls.c.id)
        .where(
            balls.c.owner == owner,
            balls.c.expires_at_us > to_us(now),
            ledger_accounts.c.balance_g > 0,
        )
        .order_by(balls.c.ripens_at_us, balls.c.id)
    ).all()
    loaded = load_balls(conn, [r.id for r in rows], {f"ball:{r.id}": r.balance_g for r in rows})
    return {row.id: loaded[row.id] for row in rows}


def balance_of(conn: UnitOfWork, account_id: str) -> int:
    """The cached balance of one account (0 when it is not open yet)."""
    value = conn.execute(
        select(ledger_accounts.c.balance_g).where(ledger_accounts.c.id == account_id)
    ).scalar()
    return int(value or 0)


def trees_of(conn: UnitOfWork, user: str) -> dict[str, Tree]:
    """Every tree ``user`` plants or co-plants, newest first."""
    ids = conn.execute(
        select(tree_members.c.tree_id)
        .join(trees, trees.c.id == tree_members.c.tree_id)
        .where(tree_members.c.user_id == user)
        .order_by(trees.c.created_at_us.desc(), trees.c.id)
    ).scalars()
    ordered = list(ids)
    loaded = load_trees(conn, ordered)
    return {tree_id: loaded[tree_id] for tree_id in ordered}


def energy_since(conn: UnitOfWork, users: Collection[str], since: dt.datetime) -> Counter[str]:
    """Energy each user gained from play since ``since``: collected, stolen and watered to them."""
    t = ledger_transfers.c
    gained: Counter[str] = Counter()
    kinds = [TransferKind.COLLECT.value, TransferKind.STEAL.value, TransferKind.WATER.value]
    for row in conn.execute(
        select(t.credit_account, func.sum(t.amount_g))
        .where(
            setwise.any_of(conn, t.credit_account, {f"user:{u}" for u in users}),
            t.at_us >= to_us(since),
            t.kind.in_(kinds),
        )
        .group_by(t.credit_account)
    ):
        gained[row[0].removeprefix("user:")] = int(row[1])
    return gained


def promised_trees(conn: UnitOfWork, users: Collection[str]) -> Counter[str]:
    """How many promised trees each user planted or co-planted."""
    counts: Counter[str] = Counter()
    for row in conn.execute(
        select(tree_members.c.user_id, func.count())
        .join(trees, trees.c.id == tree_members.c.tree_id)
        .where(
            setwise.any_of(conn, tree_members.c.user_id, users),
            trees.c.status == TreeStatus.PROMISED.value,
        )
        .group_by(tree_members.c.user_id)
    ):
        counts[row[0]] = int(row[1])
    return counts


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

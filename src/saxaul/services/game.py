"""Playing the forest game: batches of moves, each batch one transaction, retried on a race.

Why batches: ``domain.play.Table`` plays any number of moves against state loaded in a handful
of queries (``store.*_repo``), so a benchmark's batch of 1,000 moves and an HTTP request's
batch of one follow the same rules through the same code. Why retries: on PostgreSQL two
batches may still collide on something no lock covers (a tree id, a transfer id, a deadlock
between account locks taken in different statements); the loser's transaction is rolled back
whole and ``store.uow`` plays the batch again against what the winner wrote. A refused move is
not an error here: it is an ``Outcome`` with its refusal, and nothing of it was written.

Participants' requests reach ``play_in`` in batches too, gathered from concurrent requests
(``services.game_batch``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from saxaul.domain.accounts import (
    debt_account_id,
    key_of,
    participant_account_id,
    system_accounts,
)
from saxaul.domain.clock import to_us
from saxaul.domain.ledger import Account, AccountKind
from saxaul.domain.liabilities import Capacity
from saxaul.domain.play import (
    CancelTree,
    Move,
    Needs,
    Outcome,
    Table,
    friend_pairs,
    local_day_start,
    needs,
    steal_targets,
)
from saxaul.services.runtime import Runtime
from saxaul.store import (
    balls_repo,
    covers_repo,
    friends_repo,
    ledger_repo,
    liabilities_repo,
    trees_repo,
)
from saxaul.store.driver import pipeline, read_all
from saxaul.store.uow import WriteUnitOfWork


def play(rt: Runtime, moves: Sequence[Move]) -> list[Outcome]:
    """Play ``moves`` in order in one transaction; one ``Outcome`` each."""
    return rt.db.write(lambda conn: play_in(conn, rt, moves))


def play_in(conn: WriteUnitOfWork, rt: Runtime, moves: Sequence[Move]) -> list[Outcome]:
    """Load, play and write one batch on ``conn`` (inside the caller's transaction).

    Only what the batch's moves ask about is read (a batch of collects reads no friendships,
    covers or daily counts), so a single move costs as few statements as it can; and what does
    not depend on another read is asked together (``read_all``: one round trip on PostgreSQL):
    the lock, then balls, trees and today's counts, then friendships, covers (which need the
    balls' owners) and the rooms of the species the batch plants (locked: a new tree takes its
    place in this transaction, ``domain.liabilities``), then every write in one pipeline, then
    the commit.
    """
    now = rt.clock.now()
    at_us = to_us(now)
    need = needs(moves)
    refunded = _refund_recipients(conn, moves)
    debts = {debt_account_id(user) for user in need.users | refunded}
    refund_accounts = {participant_account_id(user) for user in refunded}
    accounts, balances = _lock(conn, need, need.accounts | refund_accounts | debts, at_us)
    debtors = {key_of(a, AccountKind.DEBT) for a in accounts if a in debts}
    balls, trees, (steals, waterings, owed) = read_all(
        conn,
        balls_repo.balls_read(need.balls, balances),
        trees_repo.trees_read(need.trees),
        ledger_repo.day_facts_read(need.counted, debtors, local_day_start(now, rt.rules)),
    )
    stored_trees = set(trees)  # the table adds the trees it creates to ``trees``
    targets = steal_targets(moves, balls)
    friends, covered_until, rooms = read_all(
        conn,
        friends_repo.pairs_read(friend_pairs(need, targets)),
        covers_repo.covered_read(need.protecting | {owner for _, owner in targets}, now),
        liabilities_repo.rooms_read(need.species),
    )
    capacity = Capacity(rooms, rt.tree_waiting_list)
    table = Table(
        now=now,
        rules=rt.rules,
        species=rt.species,
        accounts={**system_accounts(), **accounts},
        balances=dict(balances),
        balls=balls,
        trees=trees,
        friends=friends,
        covered_until=covered_until,
        steals_today=steals,
        waterings_today=waterings,
        owed_g=owed,
        capacity=capacity,
    )
    outcomes = table.play_all(moves)
    with pipeline(conn):
        ledger_repo.open_accounts(
            conn, table.opened.values(), dict.fromkeys(table.opened, 0), at_us
        )
        ledger_repo.append_transfers(conn, table.transfers, set(balances) | set(table.opened))
        covers_repo.save_covers(conn, table.covers)
        trees_repo.save_trees(conn, table.changed_trees, stored_trees)
        liabilities_repo.save(conn, capacity, at_us)
    return outcomes


def _lock(
    conn: WriteUnitOfWork, need: Needs, account_ids: Collection[str], at_us: int
) -> tuple[dict[str, Account], dict[str, int]]:
    """Lock the batch's accounts, first opening participant accounts that do not exist yet."""
    accounts, balances = ledger_repo.lock_accounts(conn, account_ids)
    missing = {u for u in need.users if participant_account_id(u) not in accounts}
    if missing:
        ledger_repo.open_participant_accounts(conn, missing, at_us)
        opened, opening = ledger_repo.lock_accounts(
            conn, {participant_account_id(u) for u in missing}
        )
        accounts.update(opened)
        balances.update(opening)
    return accounts, balances


def _refund_recipients(conn: WriteUnitOfWork, moves: Sequence[Move]) -> set[str]:
    """The planters of stored trees a ``CancelTree`` may refund: credited though not acting.

    Why before the lock: a tree's members never change once it is started, so this unlocked
    read names every account a refund may credit, and all are locked together, in id order.
    """
    cancelled = {move.tree_id for move in moves if isinstance(move, CancelTree)}
    return {
        user for tree in trees_repo.load_trees(conn, cancelled).values() for user in tree.members
    }

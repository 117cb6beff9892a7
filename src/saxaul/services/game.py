"""Playing the forest game: batches of moves, each batch one transaction, retried on a race.

Why batches: ``domain.play.Table`` plays any number of moves against state loaded in a handful
of queries (``store.*_repo``), so a benchmark's batch of 1,000 moves and an HTTP request's
batch of one follow the same rules through the same code. Why retries: on PostgreSQL two
batches may still collide on something no lock covers (a tree id, a transfer id, a deadlock
between account locks taken in different statements); the loser's transaction is rolled back
whole and the batch is played again against what the winner wrote. A refused move is not an
error here: it is an ``Outcome`` with its refusal, and nothing of it was written.

Requests carry an idempotency key (``play_request``): the first answer is stored with the move
in the same transaction and replayed to a retry, so a double-clicked "plant" plants one tree.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from saxaul.domain.accounts import (
    debt_account_id,
    key_of,
    participant_account_id,
    system_accounts,
)
from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict
from saxaul.domain.ledger import Account, AccountKind
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
from saxaul.services.game_views import outcome_view
from saxaul.services.runtime import Runtime
from saxaul.store import balls_repo, covers_repo, friends_repo, ledger_repo, trees_repo
from saxaul.store.engine import is_sqlite
from saxaul.store.tables import requests

RETRIES = 20
"""Attempts per batch; each retry follows a rolled-back race, so this bounds a pathological
loop, not a wait."""

T = TypeVar("T")


def in_transaction(rt: Runtime, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction, again from scratch when it lost a race."""
    serial = rt.write_lock if is_sqlite(rt.database_url) else contextlib.nullcontext()
    for attempt in range(RETRIES):
        try:
            with serial, rt.engine.begin() as conn:
                return work(conn)
        except (IntegrityError, OperationalError):
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def play(rt: Runtime, moves: Sequence[Move]) -> list[Outcome]:
    """Play ``moves`` in order in one transaction; one ``Outcome`` each."""
    return in_transaction(rt, lambda conn: play_in(conn, rt, moves))


def play_in(conn: Connection, rt: Runtime, moves: Sequence[Move]) -> list[Outcome]:
    """Load, play and write one batch on ``conn`` (inside the caller's transaction).

    Only what the batch's moves ask about is read (a batch of collects reads no friendships,
    covers or daily counts), so a single move costs as few statements as it can.
    """
    now = rt.clock.now()
    at_us = to_us(now)
    need = needs(moves)
    ledger_repo.begin_write(conn)
    refunded = _refund_recipients(conn, moves)
    debts = {debt_account_id(user) for user in need.users | refunded}
    refund_accounts = {participant_account_id(user) for user in refunded}
    accounts, balances = _lock(conn, need, need.accounts | refund_accounts | debts, at_us)
    balls = balls_repo.load_balls(conn, need.balls, balances)
    trees = trees_repo.load_trees(conn, need.trees)
    stored_trees = set(trees)  # the table adds the trees it creates to ``trees``
    targets = steal_targets(moves, balls)
    steals, waterings = ledger_repo.moves_since(conn, need.counted, local_day_start(now, rt.rules))
    covered = need.protecting | {owner for _, owner in targets}
    table = Table(
        now=now,
        rules=rt.rules,
        species=rt.species,
        accounts={**system_accounts(), **accounts},
        balances=dict(balances),
        balls=balls,
        trees=trees,
        friends=friends_repo.accepted_pairs(conn, friend_pairs(need, targets)),
        covered_until=covers_repo.covered_until(conn, covered, now),
        steals_today=steals,
        waterings_today=waterings,
        owed_g=ledger_repo.owed(
            conn, {key_of(a, AccountKind.DEBT) for a in accounts if a in debts}
        ),
    )
    outcomes = table.play_all(moves)
    ledger_repo.open_accounts(conn, table.opened.values(), dict.fromkeys(table.opened, 0), at_us)
    ledger_repo.append_transfers(conn, table.transfers, set(balances) | set(table.opened))
    covers_repo.save_covers(conn, table.covers)
    trees_repo.save_trees(conn, table.changed_trees, stored_trees)
    return outcomes


def _lock(
    conn: Connection, need: Needs, account_ids: Collection[str], at_us: int
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


def _refund_recipients(conn: Connection, moves: Sequence[Move]) -> set[str]:
    """The planters of stored trees a ``CancelTree`` may refund: credited though not acting.

    Why before the lock: a tree's members never change once it is started, so this unlocked
    read names every account a refund may credit, and all are locked together, in id order.
    """
    cancelled = {move.tree_id for move in moves if isinstance(move, CancelTree)}
    return {
        user for tree in trees_repo.load_trees(conn, cancelled).values() for user in tree.members
    }


def _stored_answer(conn: Connection, user: str, key: str, digest: str) -> dict[str, Any] | None:
    """The answer stored for ``user``'s ``key``, marked replayed; a conflict for another body."""
    earlier = conn.execute(
        select(requests.c.body_hash, requests.c.response).where(
            requests.c.user_id == user, requests.c.key == key
        )
    ).first()
    if earlier is None:
        return None
    if earlier.body_hash != digest:
        raise Conflict(
            "this Idempotency-Key was already used for a different request; "
            "send a new key for a new action",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    replay: dict[str, Any] = json.loads(earlier.response)
    return {**replay, "replayed": True}


def _body_hash(operation: str, body: Mapping[str, Any]) -> str:
    canonical = json.dumps({"operation": operation, **body}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def play_request(
    rt: Runtime, move: Move, operation: str, body: Mapping[str, Any], key: str | None
) -> dict[str, Any]:
    """Play one participant's move; with ``key``, a retry gets the first answer back.

    A refusal raises (nothing is stored, so the same key may be retried once the cause is
    fixed); the same key sent with a different request is a conflict, never a second move.
    """
    digest = _body_hash(operation, body)

    def work(conn: Connection) -> dict[str, Any]:
        if key is not None:
            ledger_repo.begin_write(conn)
            replay = _stored_answer(conn, move.actor, key, digest)
            if replay is not None:
                return replay
        (outcome,) = play_in(conn, rt, [move])
        if outcome.refusal is not None:
            # A retry that raced its first attempt read no answer, then waited on the first
            # attempt's locks and was refused by what it wrote (the tree exists, the ball is
            # empty): the answer is committed by now, so a fresh read finds it.
            replay = None if key is None else _stored_answer(conn, move.actor, key, digest)
            if replay is not None:
                return replay
            raise outcome.refusal
        view = outcome_view(outcome, rt)
        if key is not None:
            conn.execute(
                insert(requests).values(
                    user_id=move.actor,
                    key=key,
                    operation=operation,
                    body_hash=digest,
                    response=json.dumps(view, default=str),
                    created_at_us=to_us(rt.clock.now()),
                )
            )
        return {**view, "replayed": False}

    return in_transaction(rt, work)

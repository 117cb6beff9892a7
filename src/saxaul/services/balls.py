"""The scheduled side of energy balls: awards become balls, and balls past expiry expire.

Why jobs and not triggers: minting follows imports (thousands of awards at a time, written in
bulk), and expiry follows the clock; both are safe to run again and at the same time as play,
because each ball's account is locked while it changes and every transfer id is derived from
the ball (``award:<id>``, ``expire:<id>``), so a second run finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import polars as pl

from saxaul.domain import energy
from saxaul.domain.accounts import ball_account_id
from saxaul.domain.clock import to_us
from saxaul.domain.ledger import Transfer
from saxaul.services.ball_frames import ball_frames
from saxaul.services.runtime import Runtime
from saxaul.store import abuse_repo, ball_bulk, balls_repo, ledger_repo
from saxaul.store.bulk import BulkConnection
from saxaul.store.uow import WriteUnitOfWork, bulk_transaction

BATCH = 10_000
"""Balls per transaction: bounds memory and lock time, not a game number."""
ANALYZE_AFTER = 50_000
"""Balls minted in one run after which PostgreSQL's statistics are refreshed."""


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a run of a job did: balls touched and grams moved."""

    balls: int
    grams: int


def mint_balls(rt: Runtime, batch: int = BATCH) -> JobResult:
    """Turn every award worth ≥ 1 g that has no ball yet into a ball, funded from issuance;
    an award an abuse rule flagged goes on into its flag's hold (``domain.holds``)."""
    total = JobResult(0, 0)
    with rt.db.bulk() as bulk:
        while True:
            with bulk_transaction(bulk):
                pending = ball_bulk.pending_awards(bulk, batch)
                held = _held(bulk, pending)
                minted = ball_frames(pending, rt.rules, to_us(rt.clock.now()), held)
                if pending.height:
                    ball_bulk.append_balls(bulk, minted.balls, minted.accounts, minted.transfers)
            total = JobResult(total.balls + pending.height, total.grams + minted.grams)
            if pending.height < batch:
                break
    if total.balls >= ANALYZE_AFTER:
        rt.db.write(ledger_repo.refresh_statistics)
    return total


def _held(bulk: BulkConnection, pending: pl.DataFrame) -> dict[int, int]:
    """Award id → open abuse flag, among ``pending``: balls minted straight into a hold."""
    if pending.height == 0:
        return {}
    ids = pending["id"]
    return abuse_repo.held_awards(bulk, int(ids.min()), int(ids.max()))  # type: ignore[arg-type]


def expire_balls(rt: Runtime, batch: int = BATCH) -> JobResult:
    """Move what is left in every ball past its expiry to the expired account.

    The due balls are found once, then expired ``batch`` per transaction. Asking for the next
    ``batch`` in id order each time made every transaction sort all the live balls again (18 %
    of a 1:100 pilot's play, growing with the population). A ball collected between the read
    and its transaction holds nothing, and ``energy.expire`` moves nothing from it.
    """
    now = rt.clock.now()
    with rt.db.reading() as conn:
        due = balls_repo.due_balls(conn, now)
    total = JobResult(0, 0)
    for start in range(0, len(due), batch):
        ids = due[start : start + batch]
        done = rt.db.write(functools.partial(_expire_batch, ids=ids, now=now))
        total = JobResult(total.balls + done.balls, total.grams + done.grams)
    return total


def _expire_batch(conn: WriteUnitOfWork, *, ids: list[str], now: dt.datetime) -> JobResult:
    accounts, balances = ledger_repo.lock_accounts(conn, [ball_account_id(i) for i in ids])
    transfers: list[Transfer] = []
    for ball in balls_repo.load_balls(conn, ids, balances).values():
        _, moved = energy.expire(ball, now)
        transfers.extend(moved)
    ledger_repo.append_transfers(conn, transfers, cached=set(accounts))
    return JobResult(len(transfers), sum(t.amount_g for t in transfers))

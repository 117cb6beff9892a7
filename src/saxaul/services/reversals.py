"""Refunds and chargebacks: reversing awards by compensating transfers, in batches.

Why one transaction per batch: a batch's originals, awards, balls and owners are read in a
handful of queries with the ball and owner accounts locked (as ``game.play_in`` locks them), so
a reversal and a collect of the same ball run one after the other and the clawback sees what
the collect took. The rules live in ``domain.reversal``; here they are fed and recorded.

Why mint first: a ball's amount comes from its award, so an award reversed before it is minted
would still be minted whole later. When a batch finds an award worth grams without its ball, it
writes nothing, runs the mint job (idempotent) and plays the batch again.

Idempotent by the reversal event: the same (source, event id) sent again answers its first
result (``replayed``) and moves nothing; another reversal of the same original event is
``already_reversed``. ``unknown_event`` is not recorded, so a refund that arrives before its
payment can be sent again once the payment is imported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from saxaul.domain.accounts import ball_account_id, participant_account_id, system_accounts
from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict
from saxaul.domain.events import Rejection
from saxaul.domain.reversal import (
    NOTHING,
    Clawback,
    ReversalRequest,
    ReversalResult,
    Reversals,
    ReversalStatus,
)
from saxaul.ingest.reversals import event_keys, iter_reversal_chunks
from saxaul.services.balls import mint_balls
from saxaul.services.runtime import Runtime
from saxaul.store import balls_repo, ledger_repo, reversals_repo
from saxaul.store.uow import RETRIES, WriteUnitOfWork

BATCH = 1_000
"""Reversals per transaction: bounds lock time and statement size, not a rule."""


def reverse_events(rt: Runtime, items: Sequence[ReversalRequest]) -> list[ReversalResult]:
    """Reverse the events named by ``items``, one result each, in order."""
    results: list[ReversalResult] = []
    for start in range(0, len(items), BATCH):
        results.extend(_reverse_batch(rt, items[start : start + BATCH]))
    return results


@dataclass(frozen=True, slots=True)
class ReversalImport:
    """What a reversal file did: a result per good row, a rejection per bad one."""

    rows_read: int
    results: list[ReversalResult]
    rejected: list[Rejection]

    @property
    def by_status(self) -> dict[str, int]:
        """How many good rows ended in each status, e.g. ``{"applied": 3, "unknown_event": 1}``."""
        return dict(Counter(result.status.value for result in self.results))

    @property
    def clawback(self) -> Clawback:
        """Grams taken back by this file's rows, summed by where they came from."""
        return Clawback(
            sum(r.clawback.from_ball_g for r in self.results if not r.replayed),
            sum(r.clawback.from_expired_g for r in self.results if not r.replayed),
            sum(r.clawback.from_balance_g for r in self.results if not r.replayed),
            sum(r.clawback.debt_g for r in self.results if not r.replayed),
        )


def import_reversals(rt: Runtime, path: Path) -> ReversalImport:
    """Reverse the events a reversal file names; bad rows are reported, good rows proceed.

    Sending the same file again is harmless: every row is then ``replayed``.
    """
    rows_read = 0
    results: list[ReversalResult] = []
    rejected: list[Rejection] = []
    for chunk in iter_reversal_chunks(path):
        rows_read += chunk.rows_read
        results.extend(reverse_events(rt, chunk.accepted))
        rejected.extend(chunk.rejected)
    return ReversalImport(rows_read, results, rejected)


def _reverse_batch(rt: Runtime, items: Sequence[ReversalRequest]) -> list[ReversalResult]:
    for _ in range(RETRIES):
        done = rt.db.write(lambda conn: _reverse_in(conn, rt, items))
        if done is not None:
            return done
        mint_balls(rt)
    raise Conflict(
        "awards named by these reversals keep appearing without their balls; "
        "send the reversals again once the import that scores them has finished"
    )


def _reverse_in(
    conn: WriteUnitOfWork, rt: Runtime, items: Sequence[ReversalRequest]
) -> list[ReversalResult] | None:
    """Load, reverse and write one batch on ``conn``; ``None`` (nothing written) when a ball
    the batch needs is not minted yet."""
    now = rt.clock.now()
    earlier = reversals_repo.stored(conn, {(r.source, r.event_id) for r in items})
    named = sorted({(r.source, r.original_event_id) for r in items})
    originals = reversals_repo.original_events(conn, zip(event_keys(named), named, strict=True))
    award_ids = {e.award_id for e in originals.values() if e.scored and e.award_id is not None}
    credits = reversals_repo.award_credits(conn, award_ids)
    ball_ids = {award_id for award_id, credit in credits.items() if credit.energy_g > 0}
    owners = {credit.user_id for credit in credits.values()}
    locked = {ball_account_id(b) for b in ball_ids} | {participant_account_id(u) for u in owners}
    accounts, balances = ledger_repo.lock_accounts(conn, locked)
    balls = balls_repo.load_balls(conn, ball_ids, balances)
    if ball_ids - balls.keys():
        return None
    replays = reversals_repo.clawbacks(
        conn, [pair for pair, r in earlier.items() if r.status is ReversalStatus.APPLIED]
    )
    book = Reversals(
        now=now,
        accounts={**system_accounts(), **accounts},
        balances=dict(balances),
        balls=balls,
        credits=credits,
        originals=originals,
        by_original=reversals_repo.by_original(conn, named),
        reversed_mg=Counter(reversals_repo.reversed_mg(conn, award_ids)),
        expired_reversed=Counter(reversals_repo.expired_reversed(conn, ball_ids)),
        answered={pair: (r, replays.get(pair, NOTHING)) for pair, r in earlier.items()},
    )
    results = [book.reverse(r) for r in items]
    ledger_repo.open_accounts(conn, book.opened.values(), {}, to_us(now))
    reversals_repo.insert_records(conn, book.records)
    ledger_repo.append_transfers(conn, book.transfers, cached=set(balances))
    return results

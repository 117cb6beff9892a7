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

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from saxaul.domain.clock import to_us
from saxaul.domain.debts import debt_account
from saxaul.domain.energy import (
    EXPIRED_ACCOUNT_ID,
    Ball,
    ball_account_id,
    participant_account_id,
    system_accounts,
)
from saxaul.domain.errors import Conflict
from saxaul.domain.events import Rejection
from saxaul.domain.ledger import Account, Transfer, post_together
from saxaul.domain.reversal import (
    NOTHING,
    Clawback,
    ReversalRefused,
    ReversalRequest,
    ReversalStatus,
    claw_back,
    grams_to_reverse,
    reversal_key,
)
from saxaul.ingest.reversals import event_keys, iter_reversal_chunks
from saxaul.services.balls import mint_balls
from saxaul.services.runtime import Runtime
from saxaul.store import game_repo, reversals_repo
from saxaul.store.reversals_repo import AwardCredit, OriginalEvent, Pair, ReversalRecord
from saxaul.store.uow import RETRIES, WriteUnitOfWork

BATCH = 1_000
"""Reversals per transaction: bounds lock time and statement size, not a rule."""


@dataclass(frozen=True, slots=True)
class ReversalResult:
    """What one reversal request did, with what to do next in ``detail``."""

    request: ReversalRequest
    status: ReversalStatus
    detail: str
    award_id: str | None = None
    """The award (and ball) the original event counted towards."""
    reversed_mg: int = 0
    clawback: Clawback = NOTHING
    """Grams taken back, by where from (its ``transfers`` are in the ledger, not here)."""
    replayed: bool = False
    """Whether this answers a reversal event received before (nothing moved this time)."""


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
    accounts, balances = game_repo.lock_accounts(conn, locked)
    balls = game_repo.load_balls(conn, ball_ids, balances)
    if ball_ids - balls.keys():
        return None
    expired_reversed = Counter(reversals_repo.expired_reversed(conn, ball_ids))
    expired_left = sum(balls[b].expired_g - expired_reversed[b] for b in ball_ids)
    book = _Book(
        now=now,
        accounts={
            **{a.id: a for a in (*system_accounts(), *(debt_account(u) for u in owners))},
            **accounts,
        },
        balances={**balances, EXPIRED_ACCOUNT_ID: expired_left},
        balls=balls,
        credits=credits,
        originals=originals,
        by_original=reversals_repo.by_original(conn, named),
        reversed_mg=Counter(reversals_repo.reversed_mg(conn, award_ids)),
        expired_reversed=expired_reversed,
    )
    replays = reversals_repo.clawbacks(
        conn, [pair for pair, r in earlier.items() if r.status is ReversalStatus.APPLIED]
    )
    results = [
        _replay(r, earlier[(r.source, r.event_id)], replays)
        if (r.source, r.event_id) in earlier
        else book.reverse(r)
        for r in items
    ]
    debts = [debt_account(user) for user in sorted(book.debtors)]
    game_repo.open_accounts(conn, debts, {}, to_us(now))
    reversals_repo.insert_records(conn, book.records)
    game_repo.append_transfers(conn, book.transfers, cached=set(balances))
    return results


def _replay(
    request: ReversalRequest, first: ReversalRecord, clawbacks: dict[Pair, Clawback]
) -> ReversalResult:
    """The first answer to a reversal event sent again, or a conflict if its fields changed."""
    if request != first.request:
        return ReversalResult(
            request,
            ReversalStatus.EXISTS_WITH_DIFFERENT_FIELDS,
            f"reversal event {request.source}/{request.event_id} was already received with "
            f"other fields (original event {first.request.original_event_id}, "
            f"{first.request.reason}); send a correction as a new event_id",
        )
    clawback = clawbacks.get((request.source, request.event_id), NOTHING)
    return _result(first, clawback, replayed=True)


def _result(record: ReversalRecord, clawback: Clawback, *, replayed: bool) -> ReversalResult:
    """The answer for a recorded reversal; the grams by origin, without the transfers (a
    replay answers exactly what the first request did)."""
    request = record.request
    original = f"{request.source}/{request.original_event_id}"
    detail = (
        f"event {original} reversed: {record.reversed_g} g taken back"
        if record.status is ReversalStatus.APPLIED
        else f"event {original} earned no energy, so there was nothing to take back"
    )
    return ReversalResult(
        request,
        record.status,
        detail,
        record.award_id,
        record.reversed_mg,
        dataclasses.replace(clawback, transfers=()),
        replayed,
    )


@dataclass(slots=True)
class _Book:
    """One batch's state as loaded, and what its reversals did to it so far.

    ``balances`` holds the locked ball and owner accounts' cached balances and, like
    ``play.Table``, system accounts from 0, except ``expired``: it starts at what the batch's
    balls sent there and was not taken back yet, a lower bound of its true balance, so
    ``ledger.post`` checks each clawback against no more than is really there.
    """

    now: dt.datetime
    accounts: dict[str, Account]
    balances: dict[str, int]
    balls: dict[str, Ball]
    credits: dict[str, AwardCredit]
    originals: dict[Pair, OriginalEvent]
    by_original: dict[Pair, ReversalRecord]
    reversed_mg: Counter[str]
    expired_reversed: Counter[str]
    records: list[ReversalRecord] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    debtors: set[str] = field(default_factory=set)
    answered: dict[Pair, tuple[ReversalRecord, Clawback]] = field(default_factory=dict)

    def reverse(self, request: ReversalRequest) -> ReversalResult:
        """Reverse one request against the batch's state, or say why not."""
        own = (request.source, request.event_id)
        if own in self.answered:  # the same reversal event twice in one batch
            record, clawback = self.answered[own]
            return _replay(request, record, {own: clawback})
        original = (request.source, request.original_event_id)
        done = self.by_original.get(original)
        if done is not None:
            return ReversalResult(
                request,
                ReversalStatus.ALREADY_REVERSED,
                f"event {request.source}/{request.original_event_id} was already reversed by "
                f"reversal event {done.request.event_id}; nothing more was taken",
            )
        event = self.originals.get(original)
        if event is None:
            return ReversalResult(
                request,
                ReversalStatus.UNKNOWN_EVENT,
                f"no event {request.source}/{request.original_event_id} is stored; import the "
                "original event first, then send this reversal again",
            )
        if event.scored and event.award_id is not None:
            clawback = self._claw_back(request, event.award_id, event.credited_mg)
            record = ReversalRecord(
                request, ReversalStatus.APPLIED, event.award_id, event.credited_mg, clawback.total_g
            )
        else:
            clawback = NOTHING
            record = ReversalRecord(request, ReversalStatus.NOT_SCORED, None, 0, 0)
        self.records.append(record)
        self.by_original[original] = record
        self.answered[own] = (record, clawback)
        return _result(record, clawback, replayed=False)

    def _claw_back(self, request: ReversalRequest, award_id: str, event_mg: int) -> Clawback:
        credit = self.credits[award_id]
        grams = grams_to_reverse(credit.avoided_mg, self.reversed_mg[award_id], event_mg)
        self.reversed_mg[award_id] += event_mg
        if grams == 0:
            return NOTHING
        ball = self.balls[award_id]
        clawback = claw_back(
            ball,
            grams,
            expired_reversed_g=self.expired_reversed[award_id],
            balance_g=self.balances.get(participant_account_id(ball.owner), 0),
            key=reversal_key(request.source, request.event_id),
            at=self.now,
        )
        self._post(clawback)
        taken = clawback.from_ball_g
        self.balls[award_id] = dataclasses.replace(
            ball, amount_g=ball.amount_g - taken, remaining_g=ball.remaining_g - taken
        )
        self.expired_reversed[award_id] += clawback.from_expired_g
        if clawback.debt_g:
            self.debtors.add(ball.owner)
        return clawback

    def _post(self, clawback: Clawback) -> None:
        """Check the clawback through the ledger's rules; a refusal here is a bug, never input."""
        refused = post_together(self.balances, clawback.transfers, self.accounts)
        if refused is not None:
            raise ReversalRefused(
                f"the ledger refused {refused.transfer_id}: {refused.code}; "
                "report this to the operator",
                transfer_id=refused.transfer_id,
            )
        self.transfers.extend(clawback.transfers)

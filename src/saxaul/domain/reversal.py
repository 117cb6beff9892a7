"""Refunds and chargebacks (退款/拒付): a reversed payment takes back its award's energy.

Why compensating transfers and never edits: the award, its ball and every take from the ball
stay as they happened; what the reversal changes is written as new transfers that name the ball
(``reference``), so the ledger still says who had what and when, and Σ over all accounts stays 0.

How many grams: an award sums the ``credited_mg`` of a day's events of one behaviour and is
worth ``avoided_mg // 1000`` whole grams (floor, ``units.py``). Reversing one event lowers that
sum by the event's ``credited_mg``; the grams to take back are the award's worth before minus
its worth after, counting the award's earlier reversals (``grams_to_reverse``). So reversing all
of an award's events takes back exactly what was awarded, however the floors fall.

Where from, in this order (``claw_back``):

1. what is still in the ball (``ball:<id> → issuance``, reversal): the ball shrinks;
2. what expired from it and is not yet taken back (``expired → issuance``, reversal);
3. the owner's balance (``user:<owner> → issuance``, reversal). Energy friends stole stays
   theirs: the game gave it to them under its rules, and a refund is a matter between the
   payer and the programme, so the owner whose payment it was bears it;
4. the rest becomes debt (``debt:<owner> → issuance``, correction): the debt account goes
   negative, and each later credit to the owner repays it first (``debts.settle``).

Example: u1's award a1 of three 52 g rides (156 000 mg → 156 g). u2 stole 46 g, u1 collected
110 g and pooled 100 g into a tree, so ``user:u1`` holds 10 g. One ride is refunded
(``wallet``/``r1``, 52 000 mg → the award is worth 104 g, so 52 g are taken back):

    reverse:wallet:r1:balance   user:u1 → issuance  10 g   (the ball is empty, nothing expired)
    reverse:wallet:r1:debt      debt:u1 → issuance  42 g   (u1 owes 42 g; u2 keeps the 46 g)

Had the refund come before anyone took from the ball, it would have been
``reverse:wallet:r1:ball  ball:a1 → issuance 52 g``, leaving a 104 g ball.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from saxaul.domain.accounts import (
    EXPIRED_ACCOUNT_ID,
    ISSUANCE_ACCOUNT_ID,
    debt_account,
    debt_account_id,
    participant_account_id,
)
from saxaul.domain.book import Book
from saxaul.domain.energy import Ball
from saxaul.domain.errors import DomainError
from saxaul.domain.ledger import Transfer, TransferKind
from saxaul.domain.units import MG_PER_G


class ReversalReason(StrEnum):
    """Why the payment behind an event was reversed; both take back the same energy."""

    REFUND = "refund"
    """The merchant gave the money back."""
    CHARGEBACK = "chargeback"
    """The payer's bank took the money back."""


class ReversalStatus(StrEnum):
    """What a reversal request did."""

    APPLIED = "applied"
    """The award was lowered by the event's credit; ``reversed_g`` grams were taken back."""
    NOT_SCORED = "not_scored"
    """The original event earned nothing (no consent, pack not in force): nothing to take."""
    UNKNOWN_EVENT = "unknown_event"
    """No stored event has this source and id; not recorded, so it can be sent again once the
    original event is imported (a refund may arrive before its payment)."""
    ALREADY_REVERSED = "already_reversed"
    """Another reversal event already reversed the same original event; nothing moved."""
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    """This reversal event id was used before with other fields; nothing moved again."""


@dataclass(frozen=True, slots=True)
class ReversalRequest:
    """A reversal event (``source``, ``event_id``) naming the event it reverses.

    The original event is looked up by ``source`` and ``original_event_id``: a payment system
    reverses its own payments.
    """

    source: str
    event_id: str
    original_event_id: str
    reason: ReversalReason
    occurred_at: dt.datetime


class ReversalRefused(DomainError):
    """A reversal whose numbers cannot be right (a bug upstream, never a participant's doing)."""

    code = "reversal_refused"


CLAWBACK_PARTS = ("ball", "expired", "balance", "debt")
"""Where a clawback takes grams from, in order: the suffixes of its transfer ids, in
``Clawback`` field order."""


def reversal_key(source: str, event_id: str) -> str:
    """The stem of a reversal's transfer ids, e.g. ``reversal_key("wallet", "r1")`` →
    ``"reverse:wallet:r1"``; each part adds its ``CLAWBACK_PARTS`` suffix (``:ball``, …).

    Derived from the reversal event, so sending it again computes the same ids and the ledger's
    unique ids stop a second move."""
    return f"reverse:{source}:{event_id}"


def grams_to_reverse(award_mg: int, reversed_before_mg: int, event_mg: int) -> int:
    """Whole grams to take back when an event worth ``event_mg`` leaves its award.

    ``award_mg`` is the award's ``avoided_mg`` as scored; ``reversed_before_mg`` what earlier
    reversals already took out of it. Example: two events of 600 mg make a 1 g award; reversing
    the first → ``grams_to_reverse(1200, 0, 600) == 1`` (1 g → 0 g), then the second →
    ``grams_to_reverse(1200, 600, 600) == 0``.
    """
    left_mg = award_mg - reversed_before_mg
    if not 0 <= event_mg <= left_mg:
        raise ReversalRefused(
            f"an event credited {event_mg} mg cannot leave an award with {left_mg} mg left; "
            "report this to the operator",
            award_mg=award_mg,
            reversed_before_mg=reversed_before_mg,
            event_mg=event_mg,
        )
    return left_mg // MG_PER_G - (left_mg - event_mg) // MG_PER_G


@dataclass(frozen=True, slots=True)
class Clawback:
    """Where a reversal's grams came from, and the transfers that take them."""

    from_ball_g: int = 0
    from_expired_g: int = 0
    from_balance_g: int = 0
    debt_g: int = 0
    transfers: tuple[Transfer, ...] = ()

    @property
    def total_g(self) -> int:
        """All grams reversed, debt included."""
        return self.from_ball_g + self.from_expired_g + self.from_balance_g + self.debt_g


NOTHING = Clawback()
"""A reversal that took nothing (an award worth less than a gram, or nothing to reverse)."""


def claw_back(
    ball: Ball,
    grams: int,
    *,
    expired_reversed_g: int,
    balance_g: int,
    key: str,
    at: dt.datetime,
) -> Clawback:
    """Take ``grams`` back for ``ball``: from the ball, its expired part, the owner, then debt.

    ``expired_reversed_g`` is what earlier reversals already took from this ball's expired part;
    ``balance_g`` the owner's spendable balance; ``key`` the reversal's ``reversal_key``. Every
    transfer references the ball. ``grams`` may not exceed the ball's ``amount_g`` (what it was
    awarded net of earlier reversals from it): an award never gives back more than it gave.
    """
    if (
        not 0 <= grams <= ball.amount_g
        or not 0 <= expired_reversed_g <= ball.expired_g
        or balance_g < 0
    ):
        raise ReversalRefused(
            f"cannot take {grams} g back from ball {ball.id} of {ball.amount_g} g "
            f"({expired_reversed_g} of its {ball.expired_g} expired g already taken back, "
            f"owner's balance {balance_g} g); report this to the operator",
            ball_id=ball.id,
            grams=grams,
        )
    owner = ball.owner
    sources = (
        (ball.account_id, ball.remaining_g, TransferKind.REVERSAL),
        (EXPIRED_ACCOUNT_ID, ball.expired_g - expired_reversed_g, TransferKind.REVERSAL),
        (participant_account_id(owner), balance_g, TransferKind.REVERSAL),
        (debt_account_id(owner), grams, TransferKind.CORRECTION),
    )
    taken: list[int] = []
    transfers: list[Transfer] = []
    left = grams
    for part, (account, available, kind) in zip(CLAWBACK_PARTS, sources, strict=True):
        amount = min(left, available)
        taken.append(amount)
        left -= amount
        if amount > 0:
            transfers.append(
                Transfer(
                    id=f"{key}:{part}",
                    debit_account=account,
                    credit_account=ISSUANCE_ACCOUNT_ID,
                    amount_g=amount,
                    kind=kind,
                    at=at,
                    reference=ball.id,
                )
            )
    from_ball, from_expired, from_balance, debt = taken
    return Clawback(from_ball, from_expired, from_balance, debt, tuple(transfers))


# ---------------------------------------------------------------- a batch of reversals

Pair = tuple[str, str]
"""(source, event id): a reversal event, or the original event it names."""


@dataclass(frozen=True, slots=True)
class ReversalRecord:
    """A stored reversal: the request as first received and what it did."""

    request: ReversalRequest
    status: ReversalStatus
    award_id: str | None
    reversed_mg: int
    reversed_g: int


@dataclass(frozen=True, slots=True)
class OriginalEvent:
    """What a reversal needs of the event it names: whether it was scored, its credit, award."""

    scored: bool
    credited_mg: int
    award_id: str | None


@dataclass(frozen=True, slots=True)
class AwardCredit:
    """An award's owner and worth as scored (``energy_g == avoided_mg // 1000``)."""

    user_id: str
    avoided_mg: int
    energy_g: int


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


def _replay(request: ReversalRequest, first: ReversalRecord, clawback: Clawback) -> ReversalResult:
    """The first answer to a reversal event sent again, or a conflict if its fields changed."""
    if request != first.request:
        return ReversalResult(
            request,
            ReversalStatus.EXISTS_WITH_DIFFERENT_FIELDS,
            f"reversal event {request.source}/{request.event_id} was already received with "
            f"other fields (original event {first.request.original_event_id}, "
            f"{first.request.reason}); send a correction as a new event_id",
        )
    return _result(first, clawback, replayed=True)


@dataclass(slots=True, kw_only=True)
class Reversals(Book):
    """The books of one batch of reversals (``Book``: the locked ball and owner accounts), plus
    what deciding each reversal reads: the original events, their awards' credits, what was
    reversed before, and the reversal events already answered.

    ``answered`` starts with the stored answers to this batch's reversal events and gains each
    new one, so a reversal event sent again (in an earlier batch or this one) gets its first
    answer. ``expired`` starts at what the batch's balls sent there and was not taken back yet:
    a lower bound of its true balance, so the ledger checks each clawback against no more than
    is really there.
    """

    credits: dict[str, AwardCredit]
    originals: dict[Pair, OriginalEvent]
    by_original: dict[Pair, ReversalRecord]
    reversed_mg: Counter[str]
    expired_reversed: Counter[str]
    answered: dict[Pair, tuple[ReversalRecord, Clawback]]
    records: list[ReversalRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.balances[EXPIRED_ACCOUNT_ID] = sum(
            ball.expired_g - self.expired_reversed[ball_id] for ball_id, ball in self.balls.items()
        )

    def reverse(self, request: ReversalRequest) -> ReversalResult:
        """Reverse one request against the batch's state, or say why not."""
        own = (request.source, request.event_id)
        if own in self.answered:
            return _replay(request, *self.answered[own])
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
            balance_g=self.balance(ball.owner),
            key=reversal_key(request.source, request.event_id),
            at=self.now,
        )
        if clawback.debt_g:
            self.open(debt_account(ball.owner))
        refused = self.post(clawback.transfers)
        if refused is not None:
            raise ReversalRefused(
                f"the ledger refused {refused.transfer_id}: {refused.code}; "
                "report this to the operator",
                transfer_id=refused.transfer_id,
            )
        taken = clawback.from_ball_g
        self.balls[award_id] = dataclasses.replace(
            ball, amount_g=ball.amount_g - taken, remaining_g=ball.remaining_g - taken
        )
        self.expired_reversed[award_id] += clawback.from_expired_g
        return clawback

"""Reversals, pure: grams to take back per event, and where a clawback takes them from.

Examples first (the module docstring's, then each source in turn and the refusals), then a
property over random ball states: everything requested is taken back, from what exists first
(ball, unreversed expired part, owner's balance, in that order) and the rest as debt, and the
transfers post through ``ledger.post`` with Σ of their legs 0 and no guarded account below 0.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saxaul.domain.accounts import (
    EXPIRED_ACCOUNT_ID,
    ISSUANCE_ACCOUNT_ID,
    debt_account,
    participant_account,
    system_accounts,
)
from saxaul.domain.energy import Ball
from saxaul.domain.ledger import (
    Account,
    Balances,
    Transfer,
    TransferCode,
    TransferKind,
    check_invariants,
    post,
)
from saxaul.domain.reversal import (
    AwardCredit,
    OriginalEvent,
    ReversalReason,
    ReversalRefused,
    ReversalRequest,
    Reversals,
    ReversalStatus,
    claw_back,
    grams_to_reverse,
    reversal_key,
)

CREATED = dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
KEY = reversal_key("wallet", "r1")


def a_ball(
    amount_g: int = 156,
    remaining_g: int = 156,
    taken_by: tuple[tuple[str, int], ...] = (),
    expired_g: int = 0,
) -> Ball:
    return Ball(
        id="a1",
        owner="u1",
        behaviour="metro_ride",
        amount_g=amount_g,
        created_at=CREATED,
        ripens_at=CREATED + dt.timedelta(hours=24),
        expires_at=CREATED + dt.timedelta(hours=96),
        remaining_g=remaining_g,
        taken_by=taken_by,
        expired_g=expired_g,
    )


def accounts_for(ball: Ball) -> dict[str, Account]:
    opened = (
        *system_accounts().values(),
        ball.account,
        participant_account("u1"),
        debt_account("u1"),
    )
    return {account.id: account for account in opened}


# --- grams_to_reverse ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("award_mg", "before_mg", "event_mg", "grams"),
    [
        (156_000, 0, 52_000, 52),  # one of three rides
        (156_000, 104_000, 52_000, 52),  # the last one
        (1_200, 0, 600, 1),  # 1 g award → 0 g
        (1_200, 600, 600, 0),  # already 0 g
        (134_500, 0, 500, 0),  # 134 500 → 134 000 mg: still 134 g
        (134_500, 0, 600, 1),  # 134 500 → 133 900 mg: 133 g
        (52_000, 0, 0, 0),  # an event capped to 0 mg takes nothing
    ],
)
def test_grams_to_reverse_follow_the_awards_floor(
    award_mg: int, before_mg: int, event_mg: int, grams: int
) -> None:
    assert grams_to_reverse(award_mg, before_mg, event_mg) == grams


def test_reversing_every_event_of_an_award_takes_back_exactly_its_grams() -> None:
    events_mg = [700, 700, 700, 49_900]
    award_mg = sum(events_mg)
    before, total = 0, 0
    for event_mg in events_mg:
        total += grams_to_reverse(award_mg, before, event_mg)
        before += event_mg
    assert total == award_mg // 1000 == 52


def test_an_event_worth_more_than_is_left_of_its_award_is_refused() -> None:
    with pytest.raises(ReversalRefused) as refused:
        grams_to_reverse(52_000, 26_000, 52_000)
    assert refused.value.code == "reversal_refused"


# --- claw_back -----------------------------------------------------------------------------


def test_the_module_example_balance_then_debt() -> None:
    ball = a_ball(remaining_g=0, taken_by=(("u2", 46), ("u1", 110)))

    clawback = claw_back(ball, 52, expired_reversed_g=0, balance_g=10, key=KEY, at=NOW)

    assert clawback.transfers == (
        Transfer(
            "reverse:wallet:r1:balance",
            "user:u1",
            ISSUANCE_ACCOUNT_ID,
            10,
            TransferKind.REVERSAL,
            NOW,
            "a1",
        ),
        Transfer(
            "reverse:wallet:r1:debt",
            "debt:u1",
            ISSUANCE_ACCOUNT_ID,
            42,
            TransferKind.CORRECTION,
            NOW,
            "a1",
        ),
    )
    assert (clawback.from_balance_g, clawback.debt_g, clawback.total_g) == (10, 42, 52)


def test_an_untouched_ball_only_shrinks() -> None:
    clawback = claw_back(a_ball(), 52, expired_reversed_g=0, balance_g=500, key=KEY, at=NOW)

    assert [(t.id, t.debit_account, t.amount_g) for t in clawback.transfers] == [
        ("reverse:wallet:r1:ball", "ball:a1", 52)
    ]
    assert clawback.transfers[0].kind is TransferKind.REVERSAL


def test_the_expired_part_comes_before_the_balance_and_only_once() -> None:
    ball = a_ball(remaining_g=0, taken_by=(("u2", 46),), expired_g=110)

    clawback = claw_back(ball, 52, expired_reversed_g=104, balance_g=30, key=KEY, at=NOW)

    assert [(t.debit_account, t.amount_g) for t in clawback.transfers] == [
        (EXPIRED_ACCOUNT_ID, 6),
        ("user:u1", 30),
        ("debt:u1", 16),
    ]


def test_nothing_to_take_gives_no_transfer() -> None:
    clawback = claw_back(a_ball(), 0, expired_reversed_g=0, balance_g=0, key=KEY, at=NOW)

    assert (clawback.transfers, clawback.total_g) == ((), 0)


@pytest.mark.parametrize(
    ("grams", "expired_reversed_g", "balance_g"),
    [(157, 0, 0), (-1, 0, 0), (10, 1, 0), (10, -1, 0), (10, 0, -1)],
)
def test_impossible_numbers_are_refused(
    grams: int, expired_reversed_g: int, balance_g: int
) -> None:
    with pytest.raises(ReversalRefused):
        claw_back(
            a_ball(),
            grams,
            expired_reversed_g=expired_reversed_g,
            balance_g=balance_g,
            key=KEY,
            at=NOW,
        )


# --- the property --------------------------------------------------------------------------


@st.composite
def ball_states(draw: st.DrawFn) -> tuple[Ball, int, int, int]:
    """A ball split into remaining, taken and expired grams, a request and the owner's facts."""
    amount = draw(st.integers(1, 5_000))
    remaining = draw(st.integers(0, amount))
    expired = draw(st.integers(0, amount - remaining)) if remaining == 0 else 0
    taken = amount - remaining - expired
    stolen = draw(st.integers(0, taken))
    taken_by = tuple((u, g) for u, g in (("u2", stolen), ("u1", taken - stolen)) if g)
    ball = a_ball(amount, remaining, taken_by, expired)
    grams = draw(st.integers(0, amount))
    expired_reversed = draw(st.integers(0, expired))
    balance = draw(st.integers(0, 10_000))
    return ball, grams, expired_reversed, balance


@settings(max_examples=300, deadline=None)
@given(state=ball_states())
def test_everything_requested_is_taken_from_what_exists_then_owed(
    state: tuple[Ball, int, int, int],
) -> None:
    ball, grams, expired_reversed, balance = state
    expired_left = ball.expired_g - expired_reversed

    clawback = claw_back(
        ball, grams, expired_reversed_g=expired_reversed, balance_g=balance, key=KEY, at=NOW
    )

    exists = ball.remaining_g + expired_left + balance
    assert clawback.total_g == grams
    assert clawback.total_g - clawback.debt_g == min(grams, exists)
    assert clawback.debt_g == grams - min(grams, exists)
    assert clawback.from_ball_g == min(grams, ball.remaining_g)
    assert clawback.from_expired_g == min(grams - clawback.from_ball_g, expired_left)
    assert sum(t.amount_g for t in clawback.transfers) == grams
    assert all(t.credit_account == ISSUANCE_ACCOUNT_ID for t in clawback.transfers)
    assert all(t.reference == ball.id for t in clawback.transfers)
    assert len({t.id for t in clawback.transfers}) == len(clawback.transfers)
    assert Balances().apply(clawback.transfers).get(ISSUANCE_ACCOUNT_ID, 0) == grams
    assert sum(Balances().apply(clawback.transfers).values()) == 0  # Σ of legs = 0

    held = {ball.account_id: ball.remaining_g, "user:u1": balance, EXPIRED_ACCOUNT_ID: expired_left}
    before = Balances({**held, ISSUANCE_ACCOUNT_ID: -sum(held.values())})
    after, _, results = post(before, clawback.transfers, accounts_for(ball), {})
    assert all(r.code is TransferCode.OK for r in results), results
    assert check_invariants(after, accounts_for(ball)) == []
    assert -after.get("debt:u1", 0) == clawback.debt_g


# --- a batch of reversals ------------------------------------------------------------------


def _request(event_id: str, original: str = "e1") -> ReversalRequest:
    return ReversalRequest("wallet", event_id, original, ReversalReason.REFUND, NOW)


def test_a_batch_keeps_the_books_of_the_module_example() -> None:
    ball = a_ball(remaining_g=0, taken_by=(("u2", 46), ("u1", 110)), expired_g=0)
    accounts = {**system_accounts(), ball.account.id: ball.account}
    accounts["user:u1"] = participant_account("u1")
    book = Reversals(
        now=NOW,
        accounts=accounts,
        balances={"user:u1": 10},
        balls={"a1": ball},
        credits={"a1": AwardCredit("u1", 156_000, 156)},
        originals={("wallet", "e1"): OriginalEvent(True, 52_000, "a1")},
        by_original={},
        reversed_mg=Counter(),
        expired_reversed=Counter(),
        answered={},
    )

    first = book.reverse(_request("r1"))
    again = book.reverse(_request("r1"))  # the same reversal event twice in one batch
    other = book.reverse(_request("r2"))  # another reversal of the same original event

    assert first.status is ReversalStatus.APPLIED and not first.replayed
    assert (first.clawback.from_balance_g, first.clawback.debt_g) == (10, 42)
    assert again.replayed and again.clawback == first.clawback
    assert other.status is ReversalStatus.ALREADY_REVERSED
    assert [t.id for t in book.transfers] == ["reverse:wallet:r1:balance", "reverse:wallet:r1:debt"]
    assert list(book.opened) == ["debt:u1"] and book.owed_g == {"u1": 42}
    assert book.balance("u1") == 0 and len(book.records) == 1
    assert sum(book.balances.values()) == 10  # what it started with: every move balances


def test_a_batch_opens_no_debt_account_when_the_ball_covers_the_clawback() -> None:
    ball = a_ball()
    book = Reversals(
        now=NOW,
        accounts={**system_accounts(), ball.account.id: ball.account},
        balances={ball.account_id: 156},
        balls={"a1": ball},
        credits={"a1": AwardCredit("u1", 156_000, 156)},
        originals={("wallet", "e1"): OriginalEvent(True, 52_000, "a1")},
        by_original={},
        reversed_mg=Counter(),
        expired_reversed=Counter(),
        answered={},
    )

    result = book.reverse(_request("r1"))

    assert result.clawback.from_ball_g == 52 and book.opened == {}
    assert book.balls["a1"].amount_g == 104 and book.balls["a1"].remaining_g == 104

"""Energy balls: one example per success and refusal, then a property over random histories.

The property (no gram vanishes): whatever collect/steal/expire attempts random users
make at random times on one ball, with each op's transfers posted through ``ledger.post``, the
ball never gives more than it was awarded, its ``remaining_g`` is its ledger balance, a friend
steals it at most once, nothing moves from it before ripe or after expiry except ``expire``, and
after expiry the ball account is empty and Σ of all balances is 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from saxaul.catalogue import shipped_energy_rules
from saxaul.domain.accounts import (
    EXPIRED_ACCOUNT_ID,
    ISSUANCE_ACCOUNT_ID,
    participant_account,
    system_accounts,
)
from saxaul.domain.energy import (
    Ball,
    CollectRefused,
    EnergyRefused,
    ExpireRefused,
    StealRefused,
    collect,
    expire,
    new_ball,
    steal,
)
from saxaul.domain.errors import DomainError
from saxaul.domain.ledger import (
    Account,
    Balances,
    Transfer,
    TransferCode,
    TransferKind,
    check_invariants,
    post,
)
from saxaul.domain.watering import WaterRefused, water

RULES = shipped_energy_rules()
CREATED = dt.datetime(2026, 3, 1, 7, 12, tzinfo=dt.UTC)
RIPE = CREATED + RULES.ripening_delay
EXPIRES = RIPE + RULES.expiry_after_ripe
USERS = ("u1", "u2", "u3", "u4", "u5")
FRIENDS_OF_U1 = frozenset({"u2", "u3", "u4"})  # u5 is a stranger


def a_ball(amount_g: int = 25) -> tuple[Ball, Transfer]:
    return new_ball("a1", "u1", "walking", amount_g, CREATED, RULES)


def accounts_for(ball: Ball) -> dict[str, Account]:
    opened = (*system_accounts().values(), ball.account, *(participant_account(u) for u in USERS))
    return {account.id: account for account in opened}


def steal_as(
    ball: Ball,
    thief: str = "u2",
    now: dt.datetime = RIPE,
    *,
    steals_today: int = 0,
    covered_until: dt.datetime | None = None,
) -> tuple[Ball, tuple[Transfer, ...]]:
    return steal(
        ball,
        thief,
        now,
        RULES,
        are_friends=thief in FRIENDS_OF_U1,
        steals_today=steals_today,
        owner_covered_until=covered_until,
    )


def water_as(
    amount_g: int = 18,
    *,
    giver: str = "u1",
    receiver: str = "u2",
    are_friends: bool = True,
    waterings_today: int = 0,
    balance_g: int = 40,
    now: dt.datetime = CREATED,
) -> tuple[Transfer, ...]:
    return water(
        giver,
        receiver,
        amount_g,
        now,
        RULES,
        are_friends=are_friends,
        waterings_today=waterings_today,
        giver_balance_g=balance_g,
    )


def post_all(
    balances: Balances,
    applied: Mapping[str, Transfer],
    transfers: Iterable[Transfer],
    accounts: Mapping[str, Account],
) -> tuple[Balances, Mapping[str, Transfer]]:
    balances, applied, results = post(balances, transfers, accounts, applied)
    assert all(result.code is TransferCode.OK for result in results), results
    return balances, applied


# --- new_ball ---------------------------------------------------------------------------------


def test_an_award_becomes_a_ball_filled_from_issuance() -> None:
    ball, award = a_ball(25)
    assert (ball.id, ball.owner, ball.behaviour, ball.amount_g, ball.remaining_g) == (
        "a1",
        "u1",
        "walking",
        25,
        25,
    )
    assert ball.ripens_at == dt.datetime(2026, 3, 2, 7, 12, tzinfo=dt.UTC)
    assert ball.expires_at == dt.datetime(2026, 3, 5, 7, 12, tzinfo=dt.UTC)
    assert ball.taken_by == () and ball.expired_g == 0
    assert award == Transfer(
        "award:a1", ISSUANCE_ACCOUNT_ID, "ball:a1", 25, TransferKind.AWARD, CREATED, "a1"
    )
    balances, _ = post_all(Balances(), {}, [award], accounts_for(ball))
    assert balances == {"issuance": -25, "ball:a1": 25}


@pytest.mark.parametrize("amount_g", [0, -3])
def test_an_empty_award_is_no_ball(amount_g: int) -> None:
    with pytest.raises(EnergyRefused) as refused:
        a_ball(amount_g)
    assert refused.value.code == "amount_must_be_positive"


# --- the module docstring example --------------------------------------------------------------


def test_the_module_docstring_example() -> None:
    ball, award = a_ball(25)
    with pytest.raises(StealRefused, match=r"ripens at 2026-03-02 07:12 UTC"):
        steal_as(ball, now=CREATED + dt.timedelta(hours=2))
    ball, stolen = steal_as(ball, now=RIPE + dt.timedelta(minutes=48))
    with pytest.raises(StealRefused) as again:
        steal_as(ball, now=RIPE + dt.timedelta(minutes=53))
    assert again.value.code == "already_stolen"
    ball, collected = collect(ball, "u1", RIPE + dt.timedelta(hours=2))
    assert [(t.id, t.amount_g) for t in (*stolen, *collected)] == [
        ("steal:a1:u2:1", 7),
        ("collect:a1", 18),
    ]
    balances, _ = post_all(Balances(), {}, [award, *stolen, *collected], accounts_for(ball))
    assert balances == {"issuance": -25, "user:u2": 7, "user:u1": 18}
    assert ball.taken_by == (("u2", 7), ("u1", 18)) and ball.remaining_g == 0


# --- collect ----------------------------------------------------------------------------------


def test_the_owner_collects_the_whole_remainder() -> None:
    ball, _ = a_ball(25)
    collected, transfers = collect(ball, "u1", RIPE)
    assert transfers == (
        Transfer("collect:a1", "ball:a1", "user:u1", 25, TransferKind.COLLECT, RIPE, "a1"),
    )
    assert collected.remaining_g == 0 and collected.taken_by == (("u1", 25),)
    assert ball.remaining_g == 25  # the old value is untouched


@pytest.mark.parametrize(
    ("by", "now", "code", "detail"),
    [
        ("u2", RIPE, "not_owner", "only the ball's owner"),
        ("u1", RIPE - dt.timedelta(seconds=1), "not_ripe", "ripens at 07:12 UTC"),
        ("u1", EXPIRES, "expired", "expired at 07:12 UTC"),
    ],
)
def test_collect_refusals(by: str, now: dt.datetime, code: str, detail: str) -> None:
    ball, _ = a_ball()
    with pytest.raises(CollectRefused, match=detail) as refused:
        collect(ball, by, now)
    assert refused.value.code == code
    assert isinstance(refused.value, DomainError)


def test_an_empty_ball_cannot_be_collected() -> None:
    ball, _ = collect(a_ball()[0], "u1", RIPE)
    with pytest.raises(CollectRefused) as refused:
        collect(ball, "u1", RIPE)
    assert refused.value.code == "nothing_to_take"


def test_the_ripening_time_is_shown_in_the_zone_of_now() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8), "CST")
    with pytest.raises(CollectRefused, match=r"ripens at 15:12 CST") as refused:
        collect(a_ball()[0], "u1", RIPE.astimezone(shanghai) - dt.timedelta(hours=1))
    assert refused.value.fields["ripens_at"] == RIPE.isoformat()


# --- steal ------------------------------------------------------------------------------------


def test_a_friend_steals_a_share_of_a_ripe_ball() -> None:
    ball, _ = a_ball(25)
    robbed, transfers = steal_as(ball, "u3")
    assert transfers == (
        Transfer("steal:a1:u3:1", "ball:a1", "user:u3", 7, TransferKind.STEAL, RIPE, "a1"),
    )
    assert robbed.remaining_g == 18 and robbed.taken_by == (("u3", 7),)
    robbed, more = steal_as(robbed, "u2")
    assert more[0].amount_g == 5  # 30 % of 18 g = 5.4 g, floor
    assert robbed.taken_by == (("u3", 7), ("u2", 5)) and robbed.remaining_g == 13


def test_a_steal_the_moment_the_cover_ends_goes_through() -> None:
    _, transfers = steal_as(a_ball()[0], covered_until=RIPE)
    assert transfers[0].amount_g == 7


def test_a_retried_steal_computes_the_same_key() -> None:
    ball, _ = a_ball()
    _, first = steal_as(ball)
    _, retry = steal_as(ball, now=RIPE + dt.timedelta(seconds=3))
    assert first[0].id == retry[0].id
    ledger_accounts = accounts_for(ball)
    balances, applied = post_all(Balances(), {}, [a_ball()[1], *first], ledger_accounts)
    _, _, results = post(balances, retry, ledger_accounts, applied)
    assert [r.code for r in results] == [TransferCode.EXISTS_WITH_DIFFERENT_FIELDS]


def test_more_steals_per_friend_when_the_rules_allow_them() -> None:
    rules = dataclasses.replace(RULES, steals_per_ball_per_friend=2)
    ball, _ = a_ball(100)
    ids = []
    for _ in range(2):
        ball, transfers = steal(
            ball, "u2", RIPE, rules, are_friends=True, steals_today=0, owner_covered_until=None
        )
        ids.append(transfers[0].id)
    assert ids == ["steal:a1:u2:1", "steal:a1:u2:2"]
    with pytest.raises(StealRefused, match="2 times") as refused:
        steal(ball, "u2", RIPE, rules, are_friends=True, steals_today=0, owner_covered_until=None)
    assert refused.value.code == "already_stolen"


def _stolen_once() -> Ball:
    return steal_as(a_ball()[0])[0]


def _collected() -> Ball:
    return collect(a_ball()[0], "u1", RIPE)[0]


@pytest.mark.parametrize(
    ("ball", "thief", "now", "steals_today", "covered_until", "code", "detail"),
    [
        (a_ball()[0], "u1", RIPE, 0, None, "own_ball", "collect it instead"),
        (a_ball()[0], "u5", RIPE, 0, None, "not_friends", "friends"),
        (a_ball()[0], "u5", CREATED, 0, None, "not_friends", "friends"),
        (a_ball()[0], "u2", CREATED, 0, None, "not_ripe", "ripens at 2026-03-02 07:12 UTC"),
        (a_ball()[0], "u2", EXPIRES, 0, None, "expired", "expired at 07:12 UTC"),
        (_stolen_once(), "u2", RIPE, 0, None, "already_stolen", "already stolen"),
        (
            a_ball()[0],
            "u2",
            RIPE,
            0,
            RIPE + dt.timedelta(hours=24),
            "covered",
            "covered until 2026-03-03 07:12 UTC",
        ),
        (a_ball()[0], "u2", RIPE, RULES.daily_steal_limit, None, "daily_limit", "daily limit"),
        (a_ball(3)[0], "u2", RIPE, 0, None, "nothing_to_take", "only 3 g left"),
        (_collected(), "u2", RIPE, 0, None, "nothing_to_take", "only 0 g left"),
    ],
)
def test_steal_refusals(
    ball: Ball,
    thief: str,
    now: dt.datetime,
    steals_today: int,
    covered_until: dt.datetime | None,
    code: str,
    detail: str,
) -> None:
    with pytest.raises(StealRefused, match=detail) as refused:
        steal_as(ball, thief, now, steals_today=steals_today, covered_until=covered_until)
    assert refused.value.code == code


def test_a_larger_minimum_steal_refuses_small_shares() -> None:
    rules = dataclasses.replace(RULES, min_steal_g=10, steal_share=Decimal("0.30"))
    with pytest.raises(StealRefused) as refused:
        steal(
            a_ball(25)[0],
            "u2",
            RIPE,
            rules,
            are_friends=True,
            steals_today=0,
            owner_covered_until=None,
        )
    assert refused.value.code == "nothing_to_take"


# --- expire -----------------------------------------------------------------------------------


def test_an_expired_remainder_moves_to_the_expired_account() -> None:
    ball, award = a_ball(25)
    ball, stolen = steal_as(ball)
    expired, transfers = expire(ball, EXPIRES)
    assert transfers == (
        Transfer(
            "expire:a1", "ball:a1", EXPIRED_ACCOUNT_ID, 18, TransferKind.EXPIRE, EXPIRES, "a1"
        ),
    )
    assert (expired.remaining_g, expired.expired_g, expired.taken_g) == (0, 18, 7)
    balances, _ = post_all(Balances(), {}, [award, *stolen, *transfers], accounts_for(ball))
    assert balances == {"issuance": -25, "user:u2": 7, "expired": 18}


def test_expiring_an_empty_ball_moves_nothing() -> None:
    ball, _ = expire(a_ball()[0], EXPIRES)
    assert expire(ball, EXPIRES + dt.timedelta(days=1)) == (ball, ())
    collected = _collected()
    assert expire(collected, EXPIRES) == (collected, ())


def test_a_ball_cannot_expire_early() -> None:
    with pytest.raises(ExpireRefused, match="expires at 07:12 UTC") as refused:
        expire(a_ball()[0], EXPIRES - dt.timedelta(seconds=1))
    assert refused.value.code == "not_expired"


# --- water ------------------------------------------------------------------------------------


def test_watering_a_friend_is_one_water_transfer() -> None:
    late_evening_utc = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)  # 03-02 01:00 in Shanghai
    transfers = water_as(18, waterings_today=1, now=late_evening_utc)
    assert transfers == (
        Transfer(
            "water:u1:2026-03-02:2",
            "user:u1",
            "user:u2",
            18,
            TransferKind.WATER,
            late_evening_utc,
            "u2",
        ),
    )


@pytest.mark.parametrize(
    ("kwargs", "code", "detail"),
    [
        ({"receiver": "u1"}, "own_account", "yourself"),
        ({"are_friends": False}, "not_friends", "friends"),
        ({"amount_g": 20}, "not_a_step", "one of 10 g, 18 g, 66 g"),
        ({"waterings_today": RULES.daily_watering_limit}, "daily_limit", "daily limit is 3"),
        ({"amount_g": 66, "balance_g": 40}, "insufficient_energy", "40 g"),
    ],
)
def test_water_refusals(kwargs: dict[str, object], code: str, detail: str) -> None:
    with pytest.raises(WaterRefused, match=detail) as refused:
        water_as(**kwargs)  # type: ignore[arg-type]
    assert refused.value.code == code


def test_the_whole_balance_may_be_given() -> None:
    assert water_as(10, balance_g=10)[0].amount_g == 10


# --- the property -----------------------------------------------------------------------------

RIPE_S = int((RIPE - CREATED).total_seconds())
EXPIRES_S = int((EXPIRES - CREATED).total_seconds())
HORIZON_S = EXPIRES_S + 6 * 3600

# Seconds after the award: each phase of the ball's life, and its edges, equally likely.
offsets = st.one_of(
    st.integers(0, RIPE_S - 1),
    st.integers(RIPE_S, EXPIRES_S - 1),
    st.integers(EXPIRES_S, HORIZON_S),
    st.sampled_from([RIPE_S - 1, RIPE_S, EXPIRES_S - 1, EXPIRES_S]),
)
attempts = st.lists(
    st.tuples(
        st.sampled_from(["collect", "steal", "expire"]),
        st.sampled_from(USERS),
        offsets,
        st.integers(0, RULES.daily_steal_limit + 1),
    ),
    max_size=25,
)
covers = st.none() | offsets.map(lambda s: CREATED + dt.timedelta(seconds=s))


@settings(max_examples=300, deadline=None)
@given(
    amount_g=st.integers(1, 400),
    history=attempts,
    covered_until=covers,
    in_time_order=st.booleans(),
)
def test_a_ball_never_gives_more_than_it_holds(
    amount_g: int,
    history: list[tuple[str, str, int, int]],
    covered_until: dt.datetime | None,
    in_time_order: bool,
) -> None:
    ball, award = a_ball(amount_g)
    accounts = accounts_for(ball)
    balances, applied = post_all(Balances(), {}, [award], accounts)
    if in_time_order:
        history = sorted(history, key=lambda attempt: attempt[2])
    for op, user, offset_s, steals_today in history:
        now = CREATED + dt.timedelta(seconds=offset_s)
        before = ball
        try:
            if op == "collect":
                ball, transfers = collect(ball, user, now)
            elif op == "steal":
                ball, transfers = steal_as(
                    ball, user, now, steals_today=steals_today, covered_until=covered_until
                )
            else:
                ball, transfers = expire(ball, now)
        except EnergyRefused as refused:
            event(f"{op} refused: {refused.code}")
            assert ball is before
            continue
        event(f"{op} moved energy" if transfers else f"{op} moved nothing")
        moved = sum(t.amount_g for t in transfers)
        if op == "expire":
            assert now >= ball.expires_at
            assert all(t.credit_account == EXPIRED_ACCOUNT_ID for t in transfers)
        elif transfers:
            assert ball.ripens_at <= now < ball.expires_at
        assert all(t.debit_account == ball.account_id for t in transfers)
        assert before.remaining_g - ball.remaining_g == moved
        balances, applied = post_all(balances, applied, transfers, accounts)
        assert ball.remaining_g == balances.get(ball.account_id, 0)
        assert ball.taken_g <= ball.amount_g
        assert ball.amount_g == ball.remaining_g + ball.taken_g + ball.expired_g
        assert all(ball.takes_by(friend) <= 1 for friend in FRIENDS_OF_U1)
        assert ball.takes_by("u5") == 0
        assert check_invariants(balances, accounts) == []
    ball, transfers = expire(ball, ball.expires_at + dt.timedelta(seconds=1))
    balances, applied = post_all(balances, applied, transfers, accounts)
    assert balances.get(ball.account_id, 0) == 0 == ball.remaining_g
    assert sum(balances.values()) == 0
    assert -balances[ISSUANCE_ACCOUNT_ID] == amount_g
    assert balances.get(EXPIRED_ACCOUNT_ID, 0) == ball.expired_g

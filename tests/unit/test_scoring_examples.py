"""Hand-worked scoring examples, each checked on the reference and the kernel at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from saxaul.domain.methodology import (
    Behaviour,
    CapPeriod,
    Caps,
    CapUsage,
    Factor,
    FormulaKind,
    Pack,
    SourceStatus,
)
from saxaul.domain.participants import ConsentScope, Participant
from saxaul.domain.units import day_ordinal, month_ordinal
from saxaul.scoring import (
    BehaviourTable,
    PlainResult,
    ScoringEvent,
    UsageKey,
    empty_participants,
    empty_prior,
    score,
    score_both,
)
from saxaul.scoring.verify import events_frame

UTC = dt.UTC
CONSENT = dt.datetime(2026, 1, 1, tzinfo=UTC)


def _factor(fid: str, value: str, unit: str) -> Factor:
    return Factor(fid, Decimal(value), unit, 2024, "src", SourceStatus.DERIVED)


def _behaviour(
    bid: str, formula: FormulaKind, factor_ids: tuple[str, ...], caps: Caps, **kw: int
) -> Behaviour:
    return Behaviour(bid, bid, bid, "test", "unit", formula, factor_ids, caps, "", **kw)


WALKING = _behaviour(
    "walking",
    FormulaKind.PER_UNIT,
    ("walking_g_per_step",),
    Caps(CapPeriod.DAY, max_g=Decimal(296)),
)
METRO = _behaviour(
    "metro", FormulaKind.FIXED_PER_ACTIVITY, ("metro_g",), Caps(CapPeriod.DAY, max_count=5)
)
PAYMENT = _behaviour(
    "offline_payment",
    FormulaKind.FIXED_PER_ACTIVITY,
    ("payment_g",),
    Caps(CapPeriod.MONTH, max_g=Decimal(20), per_event_max_g=Decimal(5)),
    min_amount_minor=100,
)


def _pack(
    behaviours: tuple[Behaviour, ...],
    timezone: str = "Asia/Shanghai",
    pid: str = "test-pack",
    effective_from: dt.date = dt.date(2017, 1, 1),
    effective_to: dt.date | None = None,
) -> Pack:
    factors = (
        _factor("walking_g_per_step", "0.02", "g CO2e/step"),
        _factor("metro_g", "52", "g CO2e/trip"),
        _factor("payment_g", "5", "g CO2e/payment"),
    )
    return Pack(
        pid, "1.0.0", pid, "", "CN", timezone, effective_from, effective_to,
        behaviours, factors, (), (), "hash",
    )  # fmt: skip


FOREST = _pack((WALKING, METRO, PAYMENT))


def _user(
    user_id: str = "u1", withdrawn_at: dt.datetime | None = None, consent_at: dt.datetime = CONSENT
) -> Participant:
    scopes = frozenset({ConsentScope.SCORING})
    return Participant(user_id, consent_at, scopes, consent_at, withdrawn_at)


def _event(
    row: int,
    behaviour: str,
    at: dt.datetime,
    quantity: float = 1.0,
    amount_minor: int | None = None,
    user_id: str = "u1",
) -> ScoringEvent:
    return ScoringEvent(row, user_id, behaviour, at, quantity, amount_minor)


def _both(
    events: list[ScoringEvent],
    packs: tuple[Pack, ...] = (FOREST,),
    participants: tuple[Participant, ...] = (_user(),),
    prior: dict[UsageKey, CapUsage] | None = None,
) -> PlainResult:
    reference, kernel = score_both(events, participants, prior or {}, packs)
    assert kernel == reference
    return reference


def _at(day: int, hour: int = 12, month: int = 3, minute: int = 0) -> dt.datetime:
    """An instant in 2026 given in Shanghai local time (UTC+8, no DST)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC) - dt.timedelta(hours=8)


def test_walking_30000_steps_earns_the_296_g_daily_cap() -> None:
    result = _both([_event(0, "walking", _at(1), 30_000)])

    (event,) = result.events
    assert (event.status, event.raw_mg, event.credited_mg, event.counted) == (
        "scored",
        600_000,
        296_000,
        True,
    )
    (award,) = result.awards
    assert award.avoided_mg == 296_000
    assert (award.pack_id, award.pack_version, award.factor_ids) == (
        "test-pack",
        "1.0.0",
        "walking_g_per_step",
    )
    assert result.usage[0].credited_mg == 296_000


def test_six_metro_trips_count_five() -> None:
    result = _both([_event(i, "metro", _at(2, 8 + i)) for i in range(6)])

    assert [e.counted for e in result.events] == [True] * 5 + [False]
    assert [e.credited_mg for e in result.events] == [52_000] * 5 + [0]
    (award,) = result.awards
    assert (award.avoided_mg, award.events_counted, award.events_scored) == (260_000, 5, 6)
    assert result.usage[0].counted == 5


def test_caps_follow_time_not_row_order() -> None:
    events = [_event(row, "metro", _at(2, 20 - row)) for row in range(6)]  # latest first

    result = _both(events)

    assert [e.counted for e in result.events] == [False] + [True] * 5


def test_thousands_of_ties_keep_row_order() -> None:
    # Large enough for Polars to sort in parallel, where only a stable sort keeps rows in order.
    events = [_event(row, "metro", _at(2, 9), user_id=f"u{row % 7}") for row in range(7_000)]
    people = tuple(_user(f"u{i}") for i in range(7))

    result = _both(events, participants=people)

    assert [e.row for e in result.events if e.counted] == list(range(35))


def test_ties_in_time_are_broken_by_row_not_by_input_order() -> None:
    same_instant = _at(2, 9)
    events = [_event(row, "metro", same_instant) for row in (9, 3, 7, 1, 5, 4)]

    result = _both(events)

    not_counted = [e.row for e in result.events if not e.counted]
    assert not_counted == [9]


def test_two_batches_with_carried_usage_equal_one_batch() -> None:
    events = [
        _event(0, "walking", _at(3, 8), 8_000),
        _event(1, "metro", _at(3, 8, minute=30)),
        _event(2, "metro", _at(3, 9)),
        _event(3, "walking", _at(3, 18), 9_000),
        _event(4, "metro", _at(3, 18, minute=30)),
        _event(5, "walking", _at(3, 20), 5_000),
        *(_event(6 + i, "metro", _at(3, 21, minute=i)) for i in range(4)),
    ]
    whole = _both(events)

    first = _both(events[:3])
    carried = {(u.user_id, u.behaviour, u.period_key): CapUsage(u.counted, u.credited_mg)
               for u in first.usage}  # fmt: skip
    second = _both(events[3:], prior=carried)

    assert first.events + second.events == whole.events
    assert second.usage == whole.usage
    split_total = sum(e.credited_mg for e in first.events + second.events)
    assert split_total == sum(a.avoided_mg for a in whole.awards) == 296_000 + 5 * 52_000


def test_prior_usage_above_the_cap_credits_nothing_more() -> None:
    key = ("u1", "walking", day_ordinal(dt.date(2026, 3, 4)))
    result = _both([_event(0, "walking", _at(4), 100)], prior={key: CapUsage(1, 300_000)})

    assert result.events[0].counted
    assert result.events[0].credited_mg == 0
    assert result.usage[0].credited_mg == 300_000
    assert result.usage[0].counted == 2


def test_month_cap_runs_across_days_and_resets_next_month() -> None:
    events = [
        _event(0, "offline_payment", _at(30, month=3), 1, amount_minor=500),
        _event(1, "offline_payment", _at(5, month=3), 1, amount_minor=500),
        _event(2, "offline_payment", _at(20, month=3), 1, amount_minor=500),
        _event(3, "offline_payment", _at(10, month=3), 1, amount_minor=500),
        _event(4, "offline_payment", _at(31, month=3), 1, amount_minor=500),
        _event(5, "offline_payment", _at(1, month=4), 1, amount_minor=500),
    ]

    result = _both(events)

    assert [e.credited_mg for e in result.events] == [5_000, 5_000, 5_000, 5_000, 0, 5_000]
    march, april = month_ordinal(dt.date(2026, 3, 1)), month_ordinal(dt.date(2026, 4, 1))
    assert [(u.period_key, u.credited_mg, u.counted) for u in result.usage] == [
        (march, 20_000, 5),
        (april, 5_000, 1),
    ]
    assert len(result.awards) == 6


def test_payments_under_the_minimum_earn_nothing_and_do_not_count() -> None:
    events = [
        _event(0, "offline_payment", _at(6), 1, amount_minor=99),
        _event(1, "offline_payment", _at(6, 13), 1, amount_minor=None),
        _event(2, "offline_payment", _at(6, 14), 1, amount_minor=100),
    ]

    result = _both(events)

    assert [(e.raw_mg, e.counted) for e in result.events] == [(0, False), (0, False), (5_000, True)]
    assert (result.awards[0].events_scored, result.awards[0].events_counted) == (3, 1)


def test_local_day_follows_the_pack_time_zone_across_dst() -> None:
    london = _pack((WALKING,), timezone="Europe/London", pid="london")
    events = [
        # 2026-03-29 01:00 UTC clocks go forward: 00:30 UTC is still 00:30 GMT on the 29th.
        _event(0, "walking", dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 100),
        _event(1, "walking", dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), 100),
        # 2026-10-25 01:00 UTC clocks go back: 23:30 UTC on the 24th is 00:30 BST on the 25th.
        _event(2, "walking", dt.datetime(2026, 10, 24, 22, 59, tzinfo=UTC), 100),
        _event(3, "walking", dt.datetime(2026, 10, 24, 23, 30, tzinfo=UTC), 100),
    ]

    result = _both(events, packs=(london,))

    days = [dt.date.fromordinal(e.day) for e in result.events]
    assert days == [
        dt.date(2026, 3, 28),
        dt.date(2026, 3, 29),
        dt.date(2026, 10, 24),
        dt.date(2026, 10, 25),
    ]


def test_caps_follow_time_when_a_clock_falls_back_a_whole_day() -> None:
    # Sitka, Alaska, 1867-10-19: the clock moved back a day, so local dates run 19, 18, 19.
    sitka = _pack((PAYMENT,), timezone="America/Sitka", effective_from=dt.date(1867, 1, 1))
    instants = [dt.datetime(1867, 10, 19, h, tzinfo=UTC) for h in (0, 1, 2, 12, 13)]
    events = [_event(i, "offline_payment", at, 1, 500) for i, at in enumerate(instants)]

    since_1867 = _user(consent_at=dt.datetime(1867, 1, 1, tzinfo=UTC))
    result = _both(events, packs=(sitka,), participants=(since_1867,))

    assert [dt.date.fromordinal(e.day).day for e in result.events] == [19, 18, 18, 19, 19]
    assert [e.credited_mg for e in result.events] == [5_000, 5_000, 5_000, 5_000, 0]


def test_consent_and_effective_period_decide_the_status() -> None:
    pack = _pack((METRO,), effective_from=dt.date(2026, 3, 1), effective_to=dt.date(2026, 3, 31))
    withdrawn = _user("u2", withdrawn_at=_at(10))
    reports_only = Participant("u3", CONSENT, frozenset({ConsentScope.REPORTS}), CONSENT)
    events = [
        _event(0, "metro", _at(5), user_id="stranger"),
        _event(1, "metro", _at(5), user_id="u3"),
        _event(2, "metro", _at(9), user_id="u2"),
        _event(3, "metro", _at(10), user_id="u2"),
        _event(4, "metro", _at(28, 23, month=2)),
        _event(5, "metro", _at(1, 0, month=4)),
        _event(6, "metro", _at(31, 23, month=3, minute=59)),
        _event(7, "metro", dt.datetime(2025, 12, 31, tzinfo=UTC)),
    ]

    result = _both(events, packs=(pack,), participants=(_user(), withdrawn, reports_only))

    assert [e.status for e in result.events] == [
        "no_consent",
        "no_consent",
        "scored",
        "no_consent",
        "not_effective",
        "not_effective",
        "scored",
        "no_consent",
    ]
    assert all(e.credited_mg == 0 for e in result.events if e.status != "scored")
    assert [(a.user_id, a.events_scored) for a in result.awards] == [("u1", 1), ("u2", 1)]


def test_kernel_ignores_extra_columns_and_keeps_input_order() -> None:
    events = events_frame([_event(row, "metro", _at(7, 8 + row)) for row in (5, 2, 8)])
    events = events.with_columns(source=pl.lit("partner-a"))

    result = score(events, empty_participants(), empty_prior(), BehaviourTable.from_packs([FOREST]))

    assert result.events["row"].to_list() == [5, 2, 8]
    assert result.events["status"].unique().to_list() == ["no_consent"]
    assert result.awards.is_empty()
    assert result.usage.is_empty()


def test_empty_batch() -> None:
    result = _both([])
    assert result == PlainResult((), (), ())


def test_a_batch_spanning_centuries_of_many_users() -> None:
    # Too long a span to tabulate zone offsets, and too many (user, behaviour) pairs times
    # too many microseconds for the kernel's one-Int64 sort key: both fall back.
    sitka = _pack((METRO,), timezone="America/Sitka", effective_from=dt.date(1867, 1, 1))
    since_1867 = dt.datetime(1867, 1, 1, tzinfo=UTC)
    users = tuple(_user(f"u{i:04}", consent_at=since_1867) for i in range(2_000))
    at_1867 = dt.datetime(1867, 10, 19, 0, 31, 12, tzinfo=UTC)
    events = [
        *(_event(i, "metro", at_1867, user_id="u1999") for i in range(6)),
        _event(6, "metro", at_1867 + dt.timedelta(seconds=1), user_id="u1999"),
        _event(7, "metro", dt.datetime(2026, 1, 5, 12, tzinfo=UTC), user_id="u1999"),
    ]

    result = _both(events, packs=(sitka,), participants=users)

    assert [dt.date.fromordinal(e.day) for e in result.events] == [
        *[dt.date(1867, 10, 19)] * 6,
        dt.date(1867, 10, 18),
        dt.date(2026, 1, 5),
    ]
    assert [e.counted for e in result.events] == [True] * 5 + [False, True, True]

"""ant-forest-2017's written rules, enforced from pack data by both scorers.

One utility bill per account number per month (``one_per``), and hospital appointments
credited only after the visit (``earns_after``). Each refused event is kept with its reason as
its status and earns nothing; claims carry between batches in the usage rows.
"""

from __future__ import annotations

import datetime as dt

from saxaul.domain.events import EventStatus
from saxaul.domain.methodology import CapUsage, attribute_instant, attribute_text
from saxaul.domain.participants import ConsentScope, Participant
from saxaul.methodology import find_pack, shipped_packs
from saxaul.scoring import PlainResult, ScoringEvent, UsageKey, score_both

AF = find_pack(shipped_packs(), "ant-forest-2017")
CST = dt.timezone(dt.timedelta(hours=8))
SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PAYER = Participant("payer", SINCE, frozenset({ConsentScope.SCORING}), SINCE)


def _bill(row: int, day: int, account: str | None, amount: int = 10_000) -> ScoringEvent:
    attributes = None if account is None else f'{{"account_number":"{account}"}}'
    at = dt.datetime(2026, 3, 1, 9, row, tzinfo=CST) + dt.timedelta(days=day)
    return ScoringEvent(row, "payer", "utility_bill", at, 1.0, amount, attributes)


def _visit(row: int, at: dt.datetime, visited_at: str | None) -> ScoringEvent:
    attributes = None if visited_at is None else f'{{"visited_at":"{visited_at}"}}'
    return ScoringEvent(row, "payer", "hospital_appointment", at, 1.0, None, attributes)


def _both(events: list[ScoringEvent], prior: dict[UsageKey, CapUsage] | None = None) -> PlainResult:
    reference, kernel = score_both(events, [PAYER], prior or {}, [AF])
    assert reference == kernel
    return kernel


def test_a_second_bill_for_one_account_in_a_month_earns_nothing() -> None:
    result = _both([_bill(0, 0, "4401"), _bill(1, 3, "4401"), _bill(2, 3, "4402")])

    assert [(e.status, e.credited_mg) for e in result.events] == [
        ("scored", 262_000),
        (EventStatus.ALREADY_CLAIMED.value, 0),
        ("scored", 262_000),
    ]
    assert [a.events_scored for a in result.awards] == [1, 1]
    claims = [u for u in result.usage if "/" in u.behaviour]
    assert [u.behaviour for u in claims] == [
        "utility_bill/account_number=4401",
        "utility_bill/account_number=4402",
    ]


def test_the_claim_carries_to_the_next_batch_and_ends_with_the_month() -> None:
    first = _both([_bill(0, 0, "4401")])
    prior = {
        (u.user_id, u.behaviour, u.period_key): CapUsage(u.counted, u.credited_mg)
        for u in first.usage
    }
    later = _both([_bill(1, 10, "4401"), _bill(2, 31, "4401")], prior)

    assert [(e.status, e.credited_mg) for e in later.events] == [
        (EventStatus.ALREADY_CLAIMED.value, 0),
        ("scored", 262_000),  # 1 April: a new month
    ]


def test_a_bill_below_the_minimum_does_not_use_the_account() -> None:
    result = _both([_bill(0, 0, "4401", amount=50), _bill(1, 0, "4401")])

    assert [e.credited_mg for e in result.events] == [0, 262_000]


def test_a_bill_without_an_account_number_earns_nothing() -> None:
    result = _both([_bill(0, 0, None)])

    assert result.events[0].status == EventStatus.MISSING_ATTRIBUTE.value
    assert result.awards == ()


def test_a_hospital_event_before_the_visit_earns_nothing() -> None:
    booked = dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)
    result = _both(
        [
            _visit(0, booked, "2026-03-05T10:00:00+08:00"),  # booked, visit to come
            _visit(1, booked + dt.timedelta(days=3, hours=2), "2026-03-05T10:00:00+08:00"),
            _visit(2, booked, None),
            _visit(3, booked, "2026-03-01"),  # a date is not an instant
        ]
    )

    assert [(e.status, e.credited_mg) for e in result.events] == [
        (EventStatus.TOO_EARLY.value, 0),
        ("scored", 277_000),
        (EventStatus.MISSING_ATTRIBUTE.value, 0),
        (EventStatus.MISSING_ATTRIBUTE.value, 0),
    ]


def test_attribute_values_that_can_key_a_rule() -> None:
    assert attribute_text('{"a":"x","b":12}', "a") == "x"
    assert attribute_text('{"b":12}', "b") == "12"
    for text in ('{"a":1.5}', '{"a":true}', '{"a":""}', '{"a":{"b":1}}', "[1]", "{", None):
        assert attribute_text(text, "a") is None, text
    assert attribute_text('{"a":"' + "x" * 65 + '"}', "a") is None
    assert attribute_instant('{"v":"2026-03-05T10:00:00Z"}', "v") == dt.datetime(
        2026, 3, 5, 10, tzinfo=dt.UTC
    )
    for text in ("2026-02-30T10:00:00Z", "2026-03-05T10:00:00", "2026-03-05 10:00:00Z"):
        assert attribute_instant(f'{{"v":"{text}"}}', "v") is None, text

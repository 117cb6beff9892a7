"""Property: the Polars kernel and the scalar reference agree exactly on any batch.

Random programmes (1–2 packs in different time zones, every formula kind, day/month caps on
count and grams, per-event caps, minimum amounts, effective periods), random participants
(missing, late consent, withdrawn, without the scoring scope), random prior usage and random
events (ties in time, shuffled rows, instants around DST changes and month ends).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from saxaul.scoring import PlainResult, ScoringEvent, UsageKey, index_behaviours, score_both
from saxaul.scoring.reference import local_date, period_key

T = TypeVar("T")
UTC = dt.UTC
ZONES = ("Asia/Shanghai", "Europe/London", "America/New_York", "Asia/Beirut")
USERS = ("u0", "u1", "u2", "u3", "u4")
# Instants where local days, months or UTC offsets change in one of ZONES.
LANDMARKS = tuple(
    dt.datetime(*parts, tzinfo=UTC)
    for parts in (
        (2026, 1, 31, 15, 59),  # Shanghai: one minute before February
        (2026, 3, 8, 7, 0),  # New York: clocks go forward
        (2026, 3, 28, 22, 0),  # Beirut: clocks go forward at local midnight
        (2026, 3, 28, 23, 30),  # London: the evening before clocks go forward
        (2026, 3, 29, 1, 0),  # London: clocks go forward
        (2026, 3, 31, 23, 0),  # London: midnight into April (BST)
        (2026, 10, 24, 21, 0),  # Beirut: clocks go back at local midnight
        (2026, 10, 24, 23, 0),  # London: midnight into the 25th (BST)
        (2026, 10, 25, 1, 0),  # London: clocks go back
        (2026, 11, 1, 6, 0),  # New York: clocks go back
    )
)

grams = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3)
instants = st.builds(
    lambda base, minutes, micros: base + dt.timedelta(minutes=minutes, microseconds=micros),
    st.sampled_from(LANDMARKS),
    st.integers(-2, 2) | st.integers(-36 * 60, 36 * 60),
    st.sampled_from((0, 1, 999_999)),
)


@st.composite
def behaviours(draw: st.DrawFn, bid: str) -> tuple[Behaviour, tuple[Factor, ...]]:
    formula = draw(st.sampled_from(FormulaKind))
    n_factors = 2 if formula is FormulaKind.BASELINE_MINUS_PROJECT else 1
    factors = tuple(
        Factor(
            f"{bid}-f{i}",
            draw(grams),
            draw(st.sampled_from(("g CO2e/unit", "kg CO2e/km", "mg CO2e/step"))),
            2024,
            "src",
            SourceStatus.DERIVED,
        )
        for i in range(n_factors)
    )
    period = draw(st.sampled_from((None, CapPeriod.DAY, CapPeriod.MONTH)))
    limits = draw(st.sampled_from(("count", "grams", "both"))) if period else ""
    max_count = draw(st.integers(1, 4)) if limits in ("count", "both") else None
    max_g = draw(grams) if limits in ("grams", "both") else None
    caps = Caps(period, max_count, max_g, draw(st.none() | grams))
    min_amount = draw(st.none() | st.integers(0, 300))
    ids = tuple(f.id for f in factors)
    behaviour = Behaviour(bid, bid, bid, "c", "unit", formula, ids, caps, "", min_amount)
    return behaviour, factors


def _mostly(common: st.SearchStrategy[T], *rare: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``common`` seven times in eight, else one of ``rare``: keeps most events scorable."""
    return st.integers(0, 7).flatmap(lambda i: common if i else st.one_of(*rare))


@st.composite
def packs(draw: st.DrawFn, index: int, moments: list[dt.datetime]) -> Pack:
    """A pack in force over most moments; its edges sometimes fall on a moment's date."""
    near_moment = (
        st.sampled_from(moments)
        .map(lambda at: at.date())
        .flatmap(
            lambda day: st.sampled_from(
                (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1))
            )
        )
    )
    effective_from = draw(_mostly(st.just(dt.date(2017, 1, 1)), near_moment))
    effective_to = draw(_mostly(st.none(), near_moment.filter(lambda day: day >= effective_from)))
    drawn = [draw(behaviours(f"p{index}b{j}")) for j in range(draw(st.integers(1, 3)))]
    return Pack(
        f"pack-{index}", "1.0.0", "t", "", "CN", draw(st.sampled_from(ZONES)),
        effective_from, effective_to, tuple(b for b, _ in drawn),
        tuple(f for _, fs in drawn for f in fs), (), (), "hash",
    )  # fmt: skip


@st.composite
def participants(draw: st.DrawFn) -> list[Participant]:
    """Mostly consented early and never withdrawn; sometimes missing, late, out, or scope-less."""
    early = dt.datetime(2025, 1, 1, tzinfo=UTC)
    found = []
    for user_id in USERS:
        if draw(st.integers(0, 7)) == 0:
            continue  # never enrolled
        consent_at = draw(_mostly(st.just(early), instants, st.none()))
        withdrawn_at = draw(_mostly(st.none(), instants))
        scopes = draw(_mostly(st.just({ConsentScope.SCORING}), st.just({ConsentScope.REPORTS})))
        found.append(Participant(user_id, early, frozenset(scopes), consent_at, withdrawn_at))
    return found


@st.composite
def prior_usage(
    draw: st.DrawFn, programme: list[Pack], events: list[ScoringEvent]
) -> dict[UsageKey, CapUsage]:
    """Usage of earlier batches, mostly for the groups these events fall in."""
    index = index_behaviours(programme)
    keys = set()
    for event in events:
        pack, behaviour = index[event.behaviour]
        period = period_key(behaviour, local_date(pack, event.occurred_at))
        if period is not None:
            keys.add((event.user_id, event.behaviour, period))
    chosen = draw(st.lists(st.sampled_from(sorted(keys)), max_size=6)) if keys else []
    return {key: CapUsage(draw(st.integers(0, 5)), draw(st.integers(0, 600_000))) for key in chosen}


Scenario = tuple[list[ScoringEvent], list[Participant], dict[UsageKey, CapUsage], list[Pack]]
quantities = st.sampled_from((0.0, 0.5, 1.0, 3.0, 0.1, 30_000.0, 1e-9)) | st.floats(0, 1e6)


@st.composite
def batches(
    draw: st.DrawFn, programme: list[Pack], moments: list[dt.datetime]
) -> list[ScoringEvent]:
    ids = [b.id for pack in programme for b in pack.behaviours]
    n = draw(st.integers(0, 40))
    rows = list(range(0, 3 * n, 3))
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))
    return [
        ScoringEvent(
            row,
            draw(_mostly(st.sampled_from(USERS), st.just("stranger"))),
            draw(st.sampled_from(ids)),
            draw(st.sampled_from(moments)),
            draw(quantities),
            draw(st.none() | st.integers(0, 400)),
        )
        for row in rows
    ]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    moments = draw(st.lists(instants, min_size=1, max_size=8))  # few instants: many ties
    programme = [draw(packs(i, moments)) for i in range(draw(st.integers(1, 2)))]
    events = draw(batches(programme, moments))
    return events, draw(participants()), draw(prior_usage(programme, events)), programme


def _agreed(
    events: list[ScoringEvent],
    people: list[Participant],
    prior: dict[UsageKey, CapUsage],
    programme: list[Pack],
) -> PlainResult:
    reference, kernel = score_both(events, people, prior, programme)
    assert kernel.events == reference.events
    assert kernel.awards == reference.awards
    assert kernel.usage == reference.usage
    return reference


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_kernel_equals_reference(scenario: Scenario) -> None:
    _agreed(*scenario)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), instants)
def test_splitting_a_batch_in_time_changes_nothing(scenario: Scenario, cut: dt.datetime) -> None:
    events, people, prior, programme = scenario
    whole = _agreed(events, people, prior, programme)

    early = _agreed([e for e in events if e.occurred_at < cut], people, prior, programme)
    carried = prior | {(u.user_id, u.behaviour, u.period_key): CapUsage(u.counted, u.credited_mg)
                       for u in early.usage}  # fmt: skip
    late = _agreed([e for e in events if e.occurred_at >= cut], people, carried, programme)

    by_row = {e.row: e for e in (*early.events, *late.events)}
    assert [by_row[e.row] for e in whole.events] == list(whole.events)
    final = {(u.user_id, u.behaviour, u.period_key): u for u in (*early.usage, *late.usage)}
    assert sorted(final.values()) == list(whole.usage)

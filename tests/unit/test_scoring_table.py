"""The behaviour table, the kernel's frames, and what the kernel refuses rather than miscounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from saxaul.domain.methodology import (
    Behaviour,
    CapPeriod,
    Caps,
    Factor,
    FormulaKind,
    Pack,
    SourceStatus,
)
from saxaul.domain.units import day_ordinal, month_ordinal
from saxaul.scoring import (
    BehaviourTable,
    ScoringEvent,
    cap_groups,
    empty_participants,
    empty_prior,
    score,
)
from saxaul.scoring.verify import events_frame

UTC = dt.UTC


def _pack(pid: str, timezone: str, *behaviours: tuple[str, Caps]) -> Pack:
    """A pack whose behaviours each avoid 1.5 g per unit from their own factor."""
    return Pack(
        pid, "2.0.0", pid, "", "CN", timezone, dt.date(2020, 1, 1), dt.date(2030, 12, 31),
        tuple(
            Behaviour(bid, bid, bid, "c", "unit", FormulaKind.PER_UNIT, (f"{bid}_g",), caps, "")
            for bid, caps in behaviours
        ),
        tuple(
            Factor(f"{bid}_g", Decimal("1.5"), "g CO2e/unit", 2024, "s", SourceStatus.DERIVED)
            for bid, _ in behaviours
        ),
        (), (), "hash",
    )  # fmt: skip


SHANGHAI = _pack(
    "shanghai",
    "Asia/Shanghai",
    ("walk", Caps(CapPeriod.DAY, max_g=Decimal(296))),
    ("bus", Caps(per_event_max_g=Decimal("0.5"))),
)
LONDON = _pack("london", "Europe/London", ("rail", Caps(CapPeriod.MONTH, max_count=3)))


def test_one_row_per_behaviour_sorted_by_id_with_limits_in_milligrams() -> None:
    table = BehaviourTable.from_packs([SHANGHAI, LONDON])

    assert table.frame.to_dicts() == [
        {
            "behaviour": "bus", "pack_id": "shanghai", "pack_version": "2.0.0",
            "timezone": "Asia/Shanghai", "rate_mg": 1500.0, "per_event_max_mg": 500,
            "min_amount_minor": None, "cap_period": None, "max_count": None, "max_mg": None,
            "effective_from": day_ordinal(dt.date(2020, 1, 1)),
            "effective_to": day_ordinal(dt.date(2030, 12, 31)), "factor_ids": "bus_g",
            "attribute_rules": False, "claim_period": None,
        },
        {
            "behaviour": "rail", "pack_id": "london", "pack_version": "2.0.0",
            "timezone": "Europe/London", "rate_mg": 1500.0, "per_event_max_mg": None,
            "min_amount_minor": None, "cap_period": "month", "max_count": 3, "max_mg": None,
            "effective_from": day_ordinal(dt.date(2020, 1, 1)),
            "effective_to": day_ordinal(dt.date(2030, 12, 31)), "factor_ids": "rail_g",
            "attribute_rules": False, "claim_period": None,
        },
        {
            "behaviour": "walk", "pack_id": "shanghai", "pack_version": "2.0.0",
            "timezone": "Asia/Shanghai", "rate_mg": 1500.0, "per_event_max_mg": None,
            "min_amount_minor": None, "cap_period": "day", "max_count": None, "max_mg": 296000,
            "effective_from": day_ordinal(dt.date(2020, 1, 1)),
            "effective_to": day_ordinal(dt.date(2030, 12, 31)), "factor_ids": "walk_g",
            "attribute_rules": False, "claim_period": None,
        },
    ]  # fmt: skip
    assert table.behaviour_ids == frozenset({"bus", "rail", "walk"})
    assert table.timezones == ("Asia/Shanghai", "Europe/London")


def test_packs_may_not_share_a_behaviour_id() -> None:
    rival = _pack("rival", "Asia/Shanghai", ("walk", Caps()))
    with pytest.raises(ValueError, match=r"walk \(rival@2.0.0, shanghai@2.0.0\)"):
        BehaviourTable.from_packs([rival, SHANGHAI])


def test_count_caps_need_a_period() -> None:
    lifelong = _pack("lifelong", "Asia/Shanghai", ("walk", Caps(max_count=3)))
    with pytest.raises(
        ValueError, match=r"count or gram caps without a period: lifelong@2\.0\.0 walk"
    ):
        BehaviourTable.from_packs([lifelong])


def _events(*rows: tuple[str, str, dt.datetime]) -> pl.DataFrame:
    return events_frame(
        [ScoringEvent(i, user, behaviour, at, 1.0) for i, (user, behaviour, at) in enumerate(rows)]
    )


def test_cap_groups_are_the_periods_a_batch_touches() -> None:
    events = _events(
        ("u2", "walk", dt.datetime(2026, 3, 1, 15, 59, tzinfo=UTC)),  # 23:59 in Shanghai
        ("u2", "walk", dt.datetime(2026, 3, 1, 16, 0, tzinfo=UTC)),  # the next local day
        ("u1", "rail", dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC)),  # April in London (BST)
        ("u1", "rail", dt.datetime(2026, 4, 2, 9, 0, tzinfo=UTC)),
        ("u1", "bus", dt.datetime(2026, 4, 2, 9, 0, tzinfo=UTC)),  # no period: no group
    )

    groups = cap_groups(events, BehaviourTable.from_packs([SHANGHAI, LONDON]))

    assert groups.rows() == [
        ("u1", "rail", month_ordinal(dt.date(2026, 4, 1))),
        ("u2", "walk", day_ordinal(dt.date(2026, 3, 1))),
        ("u2", "walk", day_ordinal(dt.date(2026, 3, 2))),
    ]


def test_kernel_refuses_an_unknown_behaviour() -> None:
    events = _events(("u1", "cycling", dt.datetime(2026, 3, 1, tzinfo=UTC)))
    with pytest.raises(pl.exceptions.InvalidOperationError):
        score(events, empty_participants(), empty_prior(), BehaviourTable.from_packs([SHANGHAI]))


def test_kernel_refuses_repeated_participants_and_prior_keys() -> None:
    table = BehaviourTable.from_packs([SHANGHAI])
    events = _events(("u1", "walk", dt.datetime(2026, 3, 1, tzinfo=UTC)))
    consent = dt.datetime(2026, 1, 1, tzinfo=UTC)
    twice = pl.DataFrame(
        {"user_id": ["u1", "u1"], "consent_at": [consent] * 2, "withdrawn_at": [None] * 2},
        schema=empty_participants().schema,
    )
    with pytest.raises(ValueError, match=r"participants repeat keys \['user_id'\]: \[\('u1',\)\]"):
        score(events, twice, empty_prior(), table)

    usage = ("u1", "walk", day_ordinal(dt.date(2026, 3, 1)), 1, 1000)
    prior = pl.DataFrame([usage, usage], schema=empty_prior().schema, orient="row")
    with pytest.raises(ValueError, match="prior usage rows repeat keys"):
        score(events, twice.head(1), prior, table)


def test_an_empty_programme_scores_an_empty_batch() -> None:
    table = BehaviourTable.from_packs([])
    result = score(_events(), empty_participants(), empty_prior(), table)

    assert (result.events.height, result.awards.height, result.usage.height) == (0, 0, 0)
    assert cap_groups(_events(), table).is_empty()

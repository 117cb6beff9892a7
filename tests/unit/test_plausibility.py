"""Plausibility per award at scoring time (``services.plausibility``), on hand-made chunks."""

from __future__ import annotations

import json

import polars as pl

from saxaul.catalogue import shipped_abuse_rules
from saxaul.services.plausibility import award_flags

RULES = shipped_abuse_rules()


def _event(award: int, behaviour: str, quantity: float, **attributes: object) -> dict[str, object]:
    return {
        "user_id": f"u{award}",
        "behaviour": behaviour,
        "status": "scored",
        "quantity": quantity,
        "attributes": json.dumps(attributes) if attributes else None,
        "award_id": award,
    }


def _flagged(events: list[dict[str, object]]) -> dict[int, str]:
    frame = pl.DataFrame(events)
    awards = frame.select(
        pl.col("award_id").alias("id"), "user_id", pl.lit(100).alias("energy_g")
    ).unique("id")
    flags = award_flags(frame, awards, RULES, now_us=0)
    return dict(zip(flags["award_id"].to_list(), flags["rule_id"].to_list(), strict=True))


def test_each_behaviour_is_held_to_its_own_limit() -> None:
    events = [
        _event(1, "walking", 150_000),
        _event(2, "walking", 60_000),
        _event(2, "walking", 39_000),  # 99,000 in the day: a long hike, not a cheat
        *[_event(3, "metro_ride", 1) for _ in range(31)],
        *[_event(4, "metro_ride", 1) for _ in range(12)],
        _event(5, "uk_walk_km", 10, duration_s=1200),  # 30 km/h on foot
        _event(6, "uk_walk_km", 5, duration_s=3600),
        _event(7, "uk_cycle_km", 40),  # no duration: no speed to check
        _event(8, "offline_payment", 1_000_000),  # no rule for it
    ]
    assert _flagged(events) == {
        1: "walking_steps_per_day",
        3: "metro_trips_per_day",
        5: "walk_speed",
    }


def test_the_evidence_says_what_was_measured_against_what() -> None:
    frame = pl.DataFrame([_event(1, "walking", 150_000)])
    flags = award_flags(
        frame,
        frame.select(pl.col("award_id").alias("id"), "user_id", pl.lit(296).alias("energy_g")),
        RULES,
        0,
    )
    (flag,) = flags.to_dicts()
    assert flag["key"] == "award:1" and flag["held_g"] == 296 and flag["status"] == "open"
    assert json.loads(flag["evidence"]) == {
        "measured": 150_000.0,
        "limit": 100_000.0,
        "unit": "steps per local day",
        "events": 1,
    }


def test_unscored_events_are_not_judged() -> None:
    refused = {**_event(1, "walking", 500_000), "status": "no_consent", "award_id": None}
    assert _flagged([refused, _event(2, "walking", 1_000)]) == {}

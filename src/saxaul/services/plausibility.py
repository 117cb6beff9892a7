"""Plausibility at scoring time: the awards whose day of activity no person could do.

Why at scoring time and per award: an award is one participant's day of one behaviour in one
import, so its events are all in the chunk being written, and a check here is one group-by over
the chunk's scored events of the few behaviours the rules name (nothing at all for the others).
Nothing is dropped: the events are stored and scored as usual and the award is flagged; the
mint job then holds its ball's energy (``domain.holds``) until an operator decides.

One flag per award, by the first rule (in file order) it breaks; the evidence says what was
measured against which limit. Example (shipped rules): u1 reports 250,000 steps on one day →
a flag ``award:<id>`` of rule ``walking_steps_per_day`` with evidence ``{"measured": 250000,
"limit": 100000, "unit": "steps per local day", "events": 1}`` and ``held_g`` the award's grams.
"""

from __future__ import annotations

import polars as pl

from saxaul.domain.abuse_rules import PLAUSIBILITY_KINDS, AbuseRule, AbuseRules, RuleKind
from saxaul.domain.events import EventStatus
from saxaul.domain.holds import FlagStatus
from saxaul.store.abuse_repo import FLAG_COLUMNS

_SECONDS_PER_HOUR = 3600
"""Unit conversion for a speed in km/h from a duration in seconds, not a policy number."""


def award_flags(
    events: pl.DataFrame, awards: pl.DataFrame, rules: AbuseRules, now_us: int
) -> pl.DataFrame:
    """Flag rows (``FLAG_COLUMNS``) for the implausible awards among ``awards``.

    ``events``: the chunk's event rows with real ``award_id``s (``user_id, behaviour, status,
    quantity, attributes, award_id``); ``awards``: its awards (``id, user_id, energy_g``).
    """
    checks = rules.of_kind(*PLAUSIBILITY_KINDS)
    scored = events.filter(
        (pl.col("status") == str(EventStatus.SCORED))
        & pl.col("award_id").is_not_null()
        & pl.col("behaviour").is_in([rule.behaviour for rule in checks])
    )
    if scored.height == 0:
        return pl.DataFrame(schema=_SCHEMA)
    found = [_broken(scored.filter(pl.col("behaviour") == rule.behaviour), rule) for rule in checks]
    broken = pl.concat([f for f in found if f.height] or [pl.DataFrame(schema=_BROKEN)])
    first = broken.unique("award_id", keep="first", maintain_order=True)
    return (
        first.join(
            awards.select(pl.col("id").alias("award_id"), "user_id", "energy_g"), on="award_id"
        )
        .select(
            key=pl.concat_str(pl.lit("award:"), pl.col("award_id").cast(pl.String)),
            user_id="user_id",
            rule_id="rule_id",
            rules_ref=pl.lit(rules.ref),
            reason_en="reason_en",
            reason_zh="reason_zh",
            evidence="evidence",
            award_id="award_id",
            held_g="energy_g",
            status=pl.lit(FlagStatus.OPEN.value),
            created_at_us=pl.lit(now_us, pl.Int64),
        )
        .select(FLAG_COLUMNS)
    )


_BROKEN = {
    "award_id": pl.Int64,
    "rule_id": pl.String,
    "reason_en": pl.String,
    "reason_zh": pl.String,
    "evidence": pl.String,
}
_SCHEMA = {
    "key": pl.String,
    "user_id": pl.String,
    "rule_id": pl.String,
    "rules_ref": pl.String,
    "reason_en": pl.String,
    "reason_zh": pl.String,
    "evidence": pl.String,
    "award_id": pl.Int64,
    "held_g": pl.Int64,
    "status": pl.String,
    "created_at_us": pl.Int64,
}


def _measured(events: pl.DataFrame, rule: AbuseRule) -> tuple[pl.DataFrame, str]:
    """Per award: what the rule measures, and the name of the threshold it is held to."""
    by_award = events.group_by("award_id", maintain_order=True)
    if rule.kind is RuleKind.DAILY_QUANTITY:
        return by_award.agg(pl.col("quantity").sum().alias("measured"), pl.len()), "max_quantity"
    if rule.kind is RuleKind.DAILY_EVENTS:
        return by_award.agg(pl.len().cast(pl.Float64).alias("measured"), pl.len()), "max_events"
    seconds = (
        pl.col("attributes")
        .cast(pl.String)  # a chunk with no attributes at all may carry a column of nulls
        .str.json_path_match(f"$.{rule.attribute}")
        .cast(pl.Float64, strict=False)
    )
    speed = pl.col("quantity") / (seconds / _SECONDS_PER_HOUR)
    timed = events.filter(seconds > 0).with_columns(speed.alias("measured"))
    return (
        timed.group_by("award_id", maintain_order=True).agg(pl.col("measured").max(), pl.len()),
        "max_kmh",
    )


def _broken(events: pl.DataFrame, rule: AbuseRule) -> pl.DataFrame:
    """The awards among ``events`` that break ``rule``, with its reasons and the evidence."""
    measured, name = _measured(events, rule)
    threshold = rule.thresholds[name]
    limit = float(threshold.value)
    return measured.filter(pl.col("measured") > limit).select(
        pl.col("award_id").cast(pl.Int64),
        rule_id=pl.lit(rule.id),
        reason_en=pl.lit(rule.reason_en),
        reason_zh=pl.lit(rule.reason_zh),
        evidence=pl.struct(
            measured=pl.col("measured").round(3),
            limit=pl.lit(limit),
            unit=pl.lit(threshold.unit),
            events=pl.col("len"),
        ).struct.json_encode(),
    )

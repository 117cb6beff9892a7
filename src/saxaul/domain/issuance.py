"""When a day's award appears as a ball: the next local day, never before it was scored.

Why: in the programme a day's energy appears as one ball per behaviour the next day (commonly
described, unconfirmed: ``packs/rules/energy/<version>/SOURCES.md``), so a ball's clock starts
at the following local midnight in the rules' zone. An award scored
later than that (a late import) starts its clock when scored, so nobody's ball ripens or expires
before it could have been seen.

Example (Asia/Shanghai): walking on 2026-03-01, scored 2026-03-01 23:10 +08 → the ball appears
2026-03-02 00:00 +08; the same award imported on 03-04 10:00 +08 appears then.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from saxaul.domain.game_rules import EnergyRules


def appears_at(day: int, scored_at: dt.datetime, rules: EnergyRules) -> dt.datetime:
    """The instant the ball of an award for local ``day`` (a date ordinal) appears."""
    next_day = dt.date.fromordinal(day + 1)
    midnight = dt.datetime.combine(next_day, dt.time(), tzinfo=ZoneInfo(rules.timezone))
    return max(midnight.astimezone(dt.UTC), scored_at)

"""Protection cover (保护罩): while it lasts, nobody can steal from its owner.

Why a cover cannot be stacked: the game makes a cover a scarce item with a duration; letting a
participant chain covers back to back would switch stealing off for them for good. One cover at a
time, of a duration the rules list, is the default; the next may start when this one ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from saxaul.domain.energy import EnergyRefused, when
from saxaul.domain.game_rules import EnergyRules


class ProtectRefused(EnergyRefused):
    """A cover the rules forbid: ``not_a_cover`` (duration not offered) or ``already_covered``."""

    code = "protect_refused"


@dataclass(frozen=True, slots=True)
class Cover:
    """One protection cover of ``user_id`` from ``starts_at`` until ``ends_at``."""

    user_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def hours(self) -> int:
        """The cover's duration in whole hours, as the rules list it."""
        return int((self.ends_at - self.starts_at) // dt.timedelta(hours=1))


def protect(
    user_id: str,
    hours: int,
    now: dt.datetime,
    rules: EnergyRules,
    *,
    covered_until: dt.datetime | None,
) -> Cover:
    """A new cover for ``user_id`` lasting ``hours`` from ``now``.

    Example with the shipped rules (24, 72 or 168 h): ``protect("u1", 24, 03-01 08:00, …,
    covered_until=None)`` → a cover until 03-02 08:00; asked again at 09:00 → ``already_covered``.
    """
    offered = rules.protection_hours
    if hours not in offered:
        choices = ", ".join(f"{h} h" for h in offered)
        raise ProtectRefused(
            f"a cover of {hours} h is not offered; choose one of {choices}",
            code="not_a_cover",
            hours=hours,
            offered_hours=offered,
        )
    if covered_until is not None and now < covered_until:
        raise ProtectRefused(
            f"you are already covered until {when(covered_until, now)}; a new cover can start then",
            code="already_covered",
            covered_until=covered_until.isoformat(),
        )
    return Cover(user_id, now, now + dt.timedelta(hours=hours))

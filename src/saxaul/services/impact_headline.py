"""The impact report's headline: the few figures a reader looks for first, read off the document.

Why read off the JSON document and never recomputed: the headline must agree with the page and
the CSV files written beside it, suppression included — a figure the report hides (fewer than k
participants) is ``None`` here too, never a number worked out some other way.

Example: ``headline(impact_report(rt, date(2016, 8, 1), date(2017, 1, 31)))`` →
``Headline(participants=1000, women_pct=47.1, under_28_pct=60.3, over_50_pct=2.1,
top_province="Guangdong", top_province_pct=12.2, avoided_t=0.74, trees=3)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from saxaul.domain import impact

UNDER_28 = impact.AGE_BANDS[0].label
"""The seed report's youngest band, the one it quotes ("~60 % under 28")."""
OVER_50 = impact.AGE_BANDS[-1].label
"""Its oldest band, also quoted ("2 % aged 50 and over")."""


@dataclass(frozen=True, slots=True)
class Headline:
    """The period's end figures; ``None`` where the report suppresses the cell."""

    participants: int | None
    women_pct: float | None
    under_28_pct: float | None
    over_50_pct: float | None
    top_province: str | None
    top_province_pct: float | None
    avoided_t: float | None
    """The period's avoided emissions to the kilogram; ``None`` if any month is suppressed."""
    trees: int | None


def headline(report: Mapping[str, Any]) -> Headline:
    """The headline of one impact report document."""
    tables = report["tables"]
    gender = tables["participants_by_gender"]["rows"][-1]
    age = tables["participants_by_age"]["rows"][-1]
    months = [row["avoided_t"] for row in tables["avoided_emissions"]["rows"]]
    provinces = [
        row
        for row in tables["participants_by_province"]["rows"]
        if row["participants"] is not None
        and row["province"] not in (impact.OTHER, impact.UNKNOWN, "total")
    ]
    top = provinces[0] if provinces else None
    return Headline(
        participants=gender["total"],
        women_pct=_share(gender["female"], gender["total"]),
        under_28_pct=_share(age[UNDER_28], age["total"]),
        over_50_pct=_share(age[OVER_50], age["total"]),
        top_province=top["province"] if top else None,
        top_province_pct=_share(top["participants"], gender["total"]) if top else None,
        avoided_t=None if None in months else _kilograms(months),
        trees=tables["trees_and_sink"]["rows"][-1]["trees_planted"],
    )


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def _kilograms(tonnes: list[float]) -> float:
    total = sum((Decimal(str(t)) for t in tonnes), Decimal(0))
    return float(total.quantize(Decimal("0.001")))

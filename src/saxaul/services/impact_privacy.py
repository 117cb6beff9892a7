"""Differentially private impact reports: noise on every count of people before the tables.

Why noise the figures and not the tables: every table cell is a sum of the figures
(``reports.impact.Figures``: new enrolments per month and key, cohort sizes, first plantings,
people active per day, month and cohort, people awarded per month), so noising each figure once
and building the tables from the noisy ones — cumulative sums, totals, age bands, shares, the
small-cell rule — is post-processing, which costs no further privacy. Each figure is a
*release* over a public domain (every month, day, gender, birth year of the last 120, and the
seed report's 31 provinces, zeros included), so which cells exist gives nothing away.

The budget: ``epsilon`` is the whole report's, split equally over its releases
(``sensitivities``); a release in which one person changes at most Δ counts (by one each) gets
discrete Laplace noise of scale
Δ / (ε / releases) (``domain.privacy``). Δ is 1 where a person counts once (enrolment, cohort,
first planting), the period's months for "active in a month" and "awarded in a month", its days
for "active on a day". Sums that are not counts of people — avoided tonnes, trees, grams of
energy, the tree pipeline — are published exactly, and say so (``NOT_NOISED``).

Example: ``privatised(figures, months, days, epsilon=1.0, rng=random.SystemRandom())`` → the
same ``Figures`` with every count of people noised (each release at ε = 1/9).
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from saxaul.domain import impact
from saxaul.domain.privacy import noisy_count
from saxaul.reports.impact import Engagement, Figures, Span

BIRTH_YEARS = 120
"""Birth years in the public domain of the age release: the last 120 up to the period's end
(an older or missing one counts as unknown)."""


def sensitivities(months: int, days: int) -> dict[str, int]:
    """Every release the report's counts of people come from, with its Δ: how many of its
    counts one person can change (by one each) over ``months`` months and ``days`` days. The
    budget is split equally over them."""
    return {
        "new enrolments by month and gender": 1,
        "new enrolments by month and birth year": 1,
        "new enrolments by month and province": 1,
        "cohort sizes": 1,
        "first plantings by month": 1,
        "people awarded by month": months,
        "active by day": days,
        "active by month": months,
        "active by month and cohort": months,
    }


NOT_NOISED = (
    "avoided_emissions.avoided_t",
    "avoided_emissions.per_capita_kg (its tonnes; its participants are noised)",
    "trees_and_sink.trees_planted",
    "energy_flows",
    "trees_pipeline",
)
"""What a private report publishes exactly: sums that are not counts of people."""


def privatised(
    figures: Figures,
    months: Sequence[Span],
    days: Sequence[Sequence[Span]],
    epsilon: float,
    rng: random.Random,
) -> Figures:
    """``figures`` with every count of people noised for an ``epsilon``-DP report."""
    m, d = len(months), sum(len(month) for month in days)
    delta = sensitivities(m, d)
    share = epsilon / len(delta)
    noise: dict[str, Callable[[int], int]] = {
        release: functools.partial(noisy_count, sensitivity=s, epsilon=share, rng=rng)
        for release, s in delta.items()
    }

    last_year = int(months[-1].label[:4])
    years: list[int | None] = [*range(last_year - BIRTH_YEARS + 1, last_year + 1), None]
    provinces: list[str | None] = [*impact.PROVINCES, impact.OTHER, None]

    def gender(value: Any) -> str:
        return value if value in impact.GENDERS else impact.UNKNOWN

    def birth_year(value: Any) -> int | None:
        year = None if value is None else int(value)
        return year if year in years else None

    def province(value: Any) -> str | None:
        if value is None:
            return None
        return str(value) if value in impact.PROVINCES else impact.OTHER

    enrolments = figures.enrolments
    avoided = {i: (mg, n) for i, mg, n in figures.avoided}
    awarded = noise["people awarded by month"]
    by_gender, by_year, by_province = (
        noise[f"new enrolments by month and {what}"]
        for what in ("gender", "birth year", "province")
    )
    return dataclasses.replace(
        figures,
        enrolments={
            "gender": _histogram(enrolments["gender"], m, impact.GENDERS, gender, by_gender),
            "birth_year": _histogram(enrolments["birth_year"], m, years, birth_year, by_year),
            "province": _histogram(enrolments["province"], m, provinces, province, by_province),
        },
        cohorts=_per_month(figures.cohorts, m, noise["cohort sizes"]),
        planters=_per_month(figures.planters, m, noise["first plantings by month"]),
        avoided=[(i, mg, awarded(n)) for i in range(m) for mg, n in [avoided.get(i, (0, 0))]],
        engagement=_engagement(figures.engagement, days, noise),
    )


def _histogram(
    rows: Iterable[tuple[int, Any, int]],
    months: int,
    keys: Sequence[Hashable],
    key_of: Callable[[Any], Hashable],
    noise: Callable[[int], int],
) -> list[tuple[int, Any, int]]:
    """New counts per (month, key) over the whole public domain, zeros included, noised."""
    counts: Counter[tuple[int, Hashable]] = Counter()
    for month, value, n in rows:
        counts[(month, key_of(value))] += n
    return [(month, key, noise(counts[(month, key)])) for month in range(months) for key in keys]


def _per_month(
    rows: Iterable[tuple[int, int]], months: int, noise: Callable[[int], int]
) -> list[tuple[int, int]]:
    counts = dict(rows)
    return [(month, noise(counts.get(month, 0))) for month in range(months)]


def _engagement(
    engagement: Sequence[Engagement],
    days: Sequence[Sequence[Span]],
    noise: Mapping[str, Callable[[int], int]],
) -> list[Engagement]:
    """Each month's active by day (every day), in all, and by cohort (every cohort so far)."""
    daily, monthly = noise["active by day"], noise["active by month"]
    by_cohort_noise = noise["active by month and cohort"]
    out: list[Engagement] = []
    for i, ((by_day, total, by_cohort), month_days) in enumerate(
        zip(engagement, days, strict=True)
    ):
        active_on, active_of = dict(by_day), dict(by_cohort)
        out.append(
            (
                [(j, daily(active_on.get(j, 0))) for j in range(len(month_days))],
                monthly(total),
                [(c, by_cohort_noise(active_of.get(c, 0))) for c in range(i + 1)],
            )
        )
    return out


def privacy_note(months: int, days: int, epsilon: float) -> dict[str, Any]:
    """What the document says of its noise: the budget, each release's Δ and scale."""
    delta = sensitivities(months, days)
    share = epsilon / len(delta)
    return {
        "epsilon": epsilon,
        "mechanism": "discrete Laplace noise on every count of people, the budget split "
        "equally over the releases, clamped at 0; the tables are built from the noisy counts",
        "releases": [
            {"release": r, "sensitivity": s, "scale": round(s / share, 3)} for r, s in delta.items()
        ],
        "not_noised": list(NOT_NOISED),
    }

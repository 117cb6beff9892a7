"""The differentially private impact report (both engines): the same tables built from noisy
counts of people, the budget and what is not noised stated, nothing replayable by default."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest

from saxaul.domain import impact
from saxaul.services.impact import impact_report
from saxaul.services.impact_page import impact_html
from saxaul.services.impact_privacy import NOT_NOISED, sensitivities
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.integration.test_impact_report import NOV, OCT, rows, world

COUNTS = ("participants_by_gender", "participants_by_age", "participants_by_province")


@pytest.fixture
def rt(runtime: Runtime, tmp_path: Path, clock: FakeClock) -> Runtime:
    world(runtime, tmp_path, clock)
    return dataclasses.replace(runtime, report_min_cell=1)


def _private(rt: Runtime, epsilon: float, seed: int) -> dict[str, Any]:
    return impact_report(rt, OCT, NOV, epsilon=epsilon, rng=random.Random(seed))


def test_a_private_report_has_the_exact_reports_shape_and_says_what_it_spent(rt: Runtime) -> None:
    exact, private = impact_report(rt, OCT, NOV), _private(rt, 0.5, seed=1)

    assert "privacy" not in exact
    note = private["privacy"]
    assert note["epsilon"] == 0.5 and note["not_noised"] == list(NOT_NOISED)
    assert [r["release"] for r in note["releases"]] == list(sensitivities(2, 61))
    by_release = {r["release"]: r for r in note["releases"]}
    assert by_release["active by day"]["sensitivity"] == 61  # October and November's days
    assert by_release["active by month"]["sensitivity"] == 2
    assert by_release["cohort sizes"]["scale"] == pytest.approx(1 / (0.5 / 9), abs=1e-3)
    same_rows = ("participants_by_gender", "participants_by_age", "active_daily", "active_monthly")
    for table in same_rows:
        assert len(rows(private, table)) == len(rows(exact, table)), table
        assert private["tables"][table]["columns"] == exact["tables"][table]["columns"]
    # noise is there: at ε = 0.5 over a handful of people the counts move
    assert any(rows(private, t) != rows(exact, t) for t in COUNTS)
    # the tables are sums of the noisy counts: each row's total is its cells' sum
    for row in rows(private, "participants_by_gender"):
        assert row["total"] == sum(row[g] for g in impact.GENDERS if row[g] is not None)
    # the province domain is public: no name outside the seed report's map is published
    names = {r["province"] for r in rows(private, "participants_by_province")}
    assert names <= {*impact.PROVINCES, impact.OTHER, impact.UNKNOWN, "total"}
    # sums that are not counts of people are published exactly
    assert private["tables"]["energy_flows"] == exact["tables"]["energy_flows"]
    assert [r["avoided_t"] for r in rows(private, "avoided_emissions")] == [
        r["avoided_t"] for r in rows(exact, "avoided_emissions")
    ]


def test_a_large_budget_gives_back_the_exact_counts_of_one_time_releases(rt: Runtime) -> None:
    exact, private = impact_report(rt, OCT, NOV), _private(rt, 90.0, seed=3)

    assert rows(private, "participants_by_gender") == rows(exact, "participants_by_gender")
    assert rows(private, "participants_by_age") == rows(exact, "participants_by_age")


def test_small_cells_are_still_suppressed_after_the_noise(rt: Runtime) -> None:
    private = impact_report(
        dataclasses.replace(rt, report_min_cell=10), OCT, NOV, epsilon=90.0, rng=random.Random(3)
    )

    for row in rows(private, "participants_by_gender"):
        assert row["total"] is None and "total" in row["suppressed"]


def test_by_default_the_noise_cannot_be_replayed(rt: Runtime) -> None:
    first = impact_report(rt, OCT, NOV, epsilon=0.2)
    second = impact_report(rt, OCT, NOV, epsilon=0.2)

    assert rows(first, "active_daily") != rows(second, "active_daily")
    assert _private(rt, 0.2, seed=5) == _private(rt, 0.2, seed=5)  # a test's seeded generator


def test_the_page_of_a_private_report_says_it_is_noised(rt: Runtime) -> None:
    page = impact_html(_private(rt, 0.5, seed=1), "en")

    assert "Differential privacy" in page and "budget ε = 0.5 for the whole report" in page
    assert "Differential privacy" not in impact_html(impact_report(rt, OCT, NOV), "en")

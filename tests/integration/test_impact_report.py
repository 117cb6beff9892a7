"""The impact report on a small hand-built world, every figure asserted (both engines).

The world goes through the real services: participants with demographics imported, metro rides
imported and scored, balls minted, one collected and one stolen from. Its period is October and
November 2026 (Asia/Shanghai); a1 enrolled before it, a6 after it, and a5 did not consent to
reports, so neither of the last two is counted anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from saxaul.domain.play import Collect, Steal
from saxaul.services.balls import mint_balls
from saxaul.services.forest import my_forest
from saxaul.services.game import play
from saxaul.services.impact import impact_report, to_csv
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import befriend, rides

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 30)


def world(rt: Runtime, tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "people.csv"
    pl.DataFrame(
        {
            "user_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
            "enrolled_at": [
                "2026-09-15T09:00:00+08:00",
                "2026-10-03T09:00:00+08:00",
                "2026-10-20T09:00:00+08:00",
                "2026-11-02T09:00:00+08:00",
                "2026-11-03T09:00:00+08:00",
                "2026-12-01T09:00:00+08:00",
            ],
            "consent": ["true", "true", "true", "true", "scoring", "true"],
            "gender": ["female", "male", "female", None, "male", "female"],
            "birth_year": [1990, 2000, 1970, None, 1980, 1995],
            "province": ["Guangdong", "Guangdong", "Zhejiang", "Guangdong", "Beijing", "Guangdong"],
        }
    ).write_csv(path)
    import_participants(rt, path)
    befriend(rt, "a2", "a3")
    rides(rt, "a1", 1, dt.date(2026, 9, 20))  # before the period
    rides(rt, "a1", 2, dt.date(2026, 10, 5))
    rides(rt, "a2", 1, dt.date(2026, 10, 5))
    rides(rt, "a2", 1, dt.date(2026, 11, 4))
    rides(rt, "a3", 3, dt.date(2026, 11, 4))
    rides(rt, "a5", 4, dt.date(2026, 11, 4))  # scored, but not counted in reports
    mint_balls(rt)
    clock.advance(hours=25)  # 2026-11-06 21:00 local: the 11-04 balls are ripe
    (ball,) = my_forest(rt, "a3").balls
    outcomes = play(rt, [Steal("a2", ball.id, "a3"), Collect("a3", ball.id)])
    assert [o.refusal for o in outcomes] == [None, None]


def rows(report: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return report["tables"][table]["rows"]  # type: ignore[no-any-return]


@pytest.fixture
def report(runtime: Runtime, tmp_path: Path, clock: FakeClock) -> dict[str, Any]:
    world(runtime, tmp_path, clock)
    return impact_report(dataclasses.replace(runtime, report_min_cell=1), OCT, NOV)


def test_participants_by_gender_age_and_province(report: dict[str, Any]) -> None:
    assert report["period"] == {"from": "2026-10-01", "to": "2026-11-30", "zone": "Asia/Shanghai"}
    assert rows(report, "participants_by_gender") == [
        {"month": "2026-10", "female": 2, "male": 1, "other": 0, "unknown": 0, "total": 3,
         "suppressed": []},
        {"month": "2026-11", "female": 2, "male": 1, "other": 0, "unknown": 1, "total": 4,
         "suppressed": []},
    ]  # fmt: skip
    assert rows(report, "participants_by_age") == [
        {"month": "2026-10", "under 28": 1, "28-49": 1, "50 and over": 1, "unknown": 0,
         "total": 3, "suppressed": []},
        {"month": "2026-11", "under 28": 1, "28-49": 1, "50 and over": 1, "unknown": 1,
         "total": 4, "suppressed": []},
    ]  # fmt: skip
    assert rows(report, "participants_by_province") == [
        {"province": "Guangdong", "participants": 3, "bucket": "<= 1 million", "suppressed": []},
        {"province": "Zhejiang", "participants": 1, "bucket": "<= 1 million", "suppressed": []},
        {"province": "total", "participants": 4, "bucket": None, "suppressed": []},
    ]


def test_avoided_emissions_trees_and_energy(report: dict[str, Any]) -> None:
    # one metro ride avoids 52 g; October: a1's 2 rides and a2's 1, November: a2's 1 and a3's 3
    assert rows(report, "avoided_emissions") == [
        {"month": "2026-10", "avoided_t": 0.000156, "participants": 3, "per_capita_kg": 0.052,
         "suppressed": []},
        {"month": "2026-11", "avoided_t": 0.000208, "participants": 4, "per_capita_kg": 0.052,
         "suppressed": []},
    ]  # fmt: skip
    assert [r["trees_planted"] for r in rows(report, "trees_and_sink")] == [0, 0]
    assert report["tables"]["trees_and_sink"]["sink"]["kg_co2"] == "0.0"
    # the ledger's flows, everyone's: 12 rides minted at once in November (52 g each); a3's
    # ball of 156 g: 46 g stolen by a2, the rest collected
    assert rows(report, "energy_flows") == [
        {"month": "2026-10", "awarded_g": 0, "collected_g": 0, "stolen_g": 0, "gifted_g": 0,
         "expired_g": 0, "suppressed": []},
        {"month": "2026-11", "awarded_g": 624, "collected_g": 110, "stolen_g": 46, "gifted_g": 0,
         "expired_g": 0, "suppressed": []},
    ]  # fmt: skip
    assert {r["status"]: r["trees"] for r in rows(report, "trees_pipeline")} == dict.fromkeys(
        ("waiting", "owed", "ordered", "planted", "alive", "lost", "replaced"), 0
    )


def test_engagement(report: dict[str, Any]) -> None:
    daily = rows(report, "active_daily")
    assert len(daily) == 61
    assert {r["day"]: r["active"] for r in daily if r["active"]} == {
        "2026-10-05": 2,  # a1, a2 rides (a1's September ride is outside the period)
        "2026-11-04": 2,  # a2, a3 rides (a5's are not counted)
        "2026-11-06": 2,  # a2 steals, a3 collects
    }
    assert [r["active"] for r in rows(report, "active_monthly")] == [2, 2]
    assert rows(report, "retention") == [
        {"cohort": "2026-10", "enrolled": 2, "month_0": 1, "month_1": 2, "suppressed": []},
        {"cohort": "2026-11", "enrolled": 1, "month_0": 0, "month_1": None, "suppressed": []},
    ]


def test_small_cells_are_suppressed_so_that_no_total_gives_them_away(
    runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    world(runtime, tmp_path, clock)

    report = impact_report(dataclasses.replace(runtime, report_min_cell=2), OCT, NOV)

    assert rows(report, "participants_by_gender") == [
        # male is 1; female would give it away as total − the rest
        {"month": "2026-10", "female": None, "male": None, "other": 0, "unknown": 0, "total": 3,
         "suppressed": ["female", "male"]},
        {"month": "2026-11", "female": 2, "male": None, "other": 0, "unknown": None, "total": 4,
         "suppressed": ["male", "unknown"]},
    ]  # fmt: skip
    assert rows(report, "participants_by_province") == [
        {"province": "Guangdong", "participants": None, "bucket": None,
         "suppressed": ["participants", "bucket"]},
        {"province": "other", "participants": None, "bucket": None,
         "suppressed": ["participants", "bucket"]},
        {"province": "total", "participants": 4, "bucket": None, "suppressed": []},
    ]  # fmt: skip
    assert rows(report, "retention")[1] == {
        "cohort": "2026-11", "enrolled": None, "month_0": None, "month_1": None,
        "suppressed": ["enrolled", "month_0"],
    }  # fmt: skip
    at_ten = impact_report(runtime, OCT, NOV)
    assert at_ten["k"] == 10
    assert {r["active"] for r in rows(at_ten, "active_daily")} == {0, None}
    assert [r["avoided_t"] for r in rows(at_ten, "avoided_emissions")] == [None, None]


def test_the_period_bounds_every_figure(runtime: Runtime, tmp_path: Path, clock: FakeClock) -> None:
    world(runtime, tmp_path, clock)

    october = impact_report(
        dataclasses.replace(runtime, report_min_cell=1), OCT, dt.date(2026, 10, 31)
    )
    from_mid_october = impact_report(
        dataclasses.replace(runtime, report_min_cell=1), dt.date(2026, 10, 10), NOV
    )

    assert [r["total"] for r in rows(october, "participants_by_gender")] == [3]
    assert [r["avoided_t"] for r in rows(october, "avoided_emissions")] == [0.000156]
    # the 5 October rides fall before the 10th; cumulative counts still include earlier people
    assert [r["avoided_t"] for r in rows(from_mid_october, "avoided_emissions")] == [0, 0.000208]
    assert [r["total"] for r in rows(from_mid_october, "participants_by_gender")] == [3, 4]
    assert rows(from_mid_october, "active_daily")[0]["day"] == "2026-10-10"
    assert [r["cohort"] for r in rows(from_mid_october, "retention")] == ["2026-10", "2026-11"]


def test_csv_has_one_file_per_table_with_suppressed_cells_empty(
    runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    world(runtime, tmp_path, clock)

    files = to_csv(impact_report(dataclasses.replace(runtime, report_min_cell=2), OCT, NOV))

    assert len(files) == 10
    assert files["participants_by_gender.csv"].splitlines() == [
        "month,female,male,other,unknown,total,suppressed",
        "2026-10,,,0,0,3,female;male",
        "2026-11,2,,0,,4,male;unknown",
    ]

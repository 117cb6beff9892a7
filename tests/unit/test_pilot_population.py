"""The calibrated pilot population hits the scenario's shares, and the same seed gives the
same files (``saxaul.sim.pilot``, scenario ``pilot-2016``)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import polars as pl
import pytest

from saxaul.domain.errors import PackInvalid
from saxaul.sim.pilot import friendships, population, write_pilot
from saxaul.sim.pilot_scenario import load_scenario, scenario_from_text

USERS = 20_000
SCENARIO = load_scenario("pilot-2016")


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    return population(SCENARIO, USERS, start=SCENARIO.start, seed=11)


def test_enrolment_follows_the_monthly_curve(people: pl.DataFrame) -> None:
    month = pl.col("enrolled_at").str.slice(0, 7)
    by_month = people.group_by(month).len().sort("enrolled_at")["len"].cum_sum() / USERS
    assert by_month.to_list() == pytest.approx(SCENARIO.cumulative_share, abs=0.001)


def test_women_rise_month_by_month_to_the_stated_share(people: pl.DataFrame) -> None:
    for end, women in zip(SCENARIO.months[1:], SCENARIO.women_share, strict=False):
        enrolled = people.filter(pl.col("enrolled_at") < end.isoformat())
        share = (enrolled["gender"] == "female").sum() / enrolled.height
        assert share == pytest.approx(women, abs=0.025), end
    final = (people["gender"] == "female").mean()
    assert final == pytest.approx(SCENARIO.women_share[-1], abs=0.01)


def test_age_bands_match_the_report_in_january_2017(people: pl.DataFrame) -> None:
    # the impact report's convention: age in a month = that month's year - birth year
    age = 2017 - people["birth_year"]
    assert (age < 28).mean() == pytest.approx(0.60, abs=0.015)
    assert (age >= 50).mean() == pytest.approx(0.02, abs=0.005)


def test_guangdong_leads_then_jiangsu_shandong_zhejiang(people: pl.DataFrame) -> None:
    top = people.group_by("province").len().sort("len", descending=True)
    assert top["province"].head(4).to_list() == ["Guangdong", "Jiangsu", "Shandong", "Zhejiang"]
    assert top["len"][0] / USERS == pytest.approx(0.12, abs=0.01)


def test_friendships_are_heavy_tailed_with_the_mean_degree(people: pl.DataFrame) -> None:
    pairs = friendships(people, SCENARIO.mean_degree, seed=11)
    degree = pl.concat([pairs["user_a"], pairs["user_b"]]).value_counts()["count"]
    assert 2 * pairs.height / USERS == pytest.approx(SCENARIO.mean_degree, rel=0.05)
    assert degree.max() > 20 * SCENARIO.mean_degree  # hubs, as in real friend graphs
    assert degree.median() <= SCENARIO.mean_degree
    assert pairs.select(pl.struct("user_a", "user_b").is_unique().all()).item()
    enrolled = dict(people.select("user_id", "enrolled_at").iter_rows())
    assert all(since >= enrolled[a] for a, since in pairs.select("user_a", "since").iter_rows())


def _files(out: Path, seed: int) -> dict[str, bytes]:
    written = write_pilot(out, SCENARIO, users=500, days=70, start=None, seed=seed, behaviours=None)
    paths = [written.participants, written.friendships, *written.events]
    return {p.name: p.read_bytes() for p in paths}


def test_the_same_seed_writes_the_same_files(tmp_path: Path) -> None:
    first = _files(tmp_path / "a", 5)
    assert first == _files(tmp_path / "b", 5)
    assert first != _files(tmp_path / "c", 6)
    assert "events-2016-10-09.csv" in first and len(first) == 72


def test_a_start_date_moves_the_whole_scenario(tmp_path: Path) -> None:
    written = write_pilot(
        tmp_path, SCENARIO, users=200, days=3, start=dt.date(2026, 3, 1), seed=1, behaviours=None
    )
    assert written.events[0].name == "events-2026-03-01.csv"
    enrolled = pl.read_csv(written.participants)["enrolled_at"]
    assert enrolled.str.starts_with("2026-03-0").all()


def test_shares_that_do_not_sum_to_one_are_refused() -> None:
    path = Path(__file__).parents[2] / "src/saxaul/packs/scenarios/pilot-2016/1.0.0/scenario.toml"
    text = path.read_text(encoding="utf-8").replace("share = 0.6\n", "share = 0.7\n", 1)
    with pytest.raises(PackInvalid) as refused:
        scenario_from_text(text, "edited.toml")
    assert refused.value.fields["field"] == "age_bands"


@pytest.mark.parametrize(
    "folder",
    sorted((Path(__file__).parents[2] / "src/saxaul/packs/scenarios/pilot-2016").iterdir()),
    ids=lambda folder: folder.name,
)
def test_every_source_is_public_or_explained_beside_the_file(folder: Path) -> None:
    document = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
    headings = re.findall(r"^#+ (.+)$", (folder / "SOURCES.md").read_text("utf-8"), re.MULTILINE)
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
    for source in document["sources"]:
        address = source["address"]
        if address.startswith("SOURCES.md#"):
            assert address.removeprefix("SOURCES.md#") in anchors, source["id"]
        else:
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?", address), source["id"]

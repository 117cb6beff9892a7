"""``saxaul score``: the Polars and Spark engines give the same outputs to the milligram.

The Spark tests share one local Spark (``local[2]``, 4 partitions, no UI: the ``spark``
fixture of ``tests/conftest.py``); they skip when pyspark or Java is absent, and fail so under
``CI=true``.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.domain.errors import InputRejected
from saxaul.domain.events import EventStatus
from saxaul.scoring.restate import restate
from saxaul.scoring.table import BehaviourTable
from saxaul.scoring_jobs.inputs import read_events, read_participants
from saxaul.scoring_jobs.partition import OUTPUTS, RESTATEMENT, kernel_events
from saxaul.scoring_jobs.spark import SparkRunner
from saxaul.services.file_scoring import ScoreRequest, restate_files, score_files
from saxaul.services.methodology import active_programme, resolve_pack
from tests.unit.scoring_files_world import world_events, write_world

KEYS = {
    "events": ["row"],
    "awards": ["user_id", "behaviour", "day"],
    "usage": ["user_id", "behaviour", "period_key"],
    RESTATEMENT: ["behaviour", "month"],
}
PACKS_DIR = Path(__file__).parents[2] / "src/saxaul/packs/methods/ant-forest-2017/2.0.0"


def _output(out: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(out / name / "*.parquet").sort(KEYS[name])


def _candidate(root: Path) -> str:
    """ant-forest-2017 as a draft 2.0.1 whose walking day cap is 200 g instead of 296 g."""
    text = (PACKS_DIR / "pack.toml").read_text()
    text = text.replace('version = "2.0.0"', 'version = "2.0.1"', 1)
    text = text.replace('max_g = "296"', 'max_g = "200"', 1)
    path = root / "candidate" / "pack.toml"
    path.parent.mkdir()
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_world(tmp_path_factory.mktemp("world"))


def test_the_world_reaches_every_rule(world: tuple[Path, Path], tmp_path: Path) -> None:
    """The shared event set is worth comparing: caps, claims, consent and both zones bite."""
    events, participants = world
    summary = score_files(ScoreRequest(events, participants, None, tmp_path, "polars"), "", "")
    outcomes = _output(tmp_path, "events")
    in_programme = world_events().filter(pl.col("behaviour") != "teleport").height
    assert summary.events == outcomes.height == in_programme
    statuses = set(outcomes["status"])
    assert {"scored", "no_consent", "already_claimed"} <= statuses
    capped = outcomes.filter(pl.col("status") == EventStatus.SCORED.value, pl.col("raw_mg") > 0)
    assert capped.filter(~pl.col("counted")).height > 0  # count caps
    assert capped.filter(pl.col("counted"), pl.col("credited_mg") < pl.col("raw_mg")).height > 0
    usage = _output(tmp_path, "usage")
    months = usage.filter(pl.col("behaviour").is_in(["utility_bill", "hospital_appointment"]))
    assert months.height and months.filter(pl.col("counted") >= 5).height > 0  # month caps
    assert "uk_rail_km" in set(_output(tmp_path, "awards")["behaviour"])  # Europe/London


def test_an_archive_of_format_2_is_refused_by_name(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    """Format 2 archived events without what scoring reads: the refusal says to re-export."""
    _, participants = world
    archive = tmp_path / "archive"
    folder = archive / "events" / "month=2026-02"
    folder.mkdir(parents=True)
    world_events().drop("quantity").write_parquet(folder / "part-00000.parquet")
    manifest = {"format_version": 2, "files": {}, "pipeline": {}}
    (archive / "manifest.json").write_text(json.dumps(manifest))
    request = ScoreRequest(archive, participants, None, tmp_path / "out", "polars")
    with pytest.raises(InputRejected, match=r"format 2.*archive export") as refused:
        score_files(request, "", "")
    assert refused.value.code == "invalid_archive"
    plain = ScoreRequest(folder, None, None, tmp_path / "out", "polars")
    with pytest.raises(InputRejected, match="--participants"):
        score_files(plain, "", "")


def test_bad_inputs_are_refused_by_name(world: tuple[Path, Path], tmp_path: Path) -> None:
    _, participants = world
    no_quantity = tmp_path / "no_quantity"
    no_quantity.mkdir()
    world_events().drop("quantity").write_parquet(no_quantity / "e.parquet")
    with pytest.raises(InputRejected, match="no column quantity"):
        read_events(no_quantity)
    twice = tmp_path / "twice"
    twice.mkdir()
    pl.concat([world_events().head(3)] * 2).write_parquet(twice / "e.parquet")
    request = ScoreRequest(twice, participants, None, tmp_path / "out", "polars")
    with pytest.raises(InputRejected, match="repeat"):
        score_files(request, "", "")
    with pytest.raises(InputRejected, match="no Parquet event files"):
        read_events(tmp_path / "nowhere")
    result = CliRunner().invoke(
        app,
        [
            "score",
            "--events",
            str(no_quantity),
            "--participants",
            str(participants),
            "--out",
            str(tmp_path / "cli"),
        ],
    )
    assert result.exit_code == 2 and "invalid_events" in result.output


def test_the_command_scores_and_restates(world: tuple[Path, Path], tmp_path: Path) -> None:
    events, participants = world
    common = ["--events", str(events), "--participants", str(participants), "--json"]
    scored = CliRunner().invoke(app, ["score", *common, "--out", str(tmp_path / "s")])
    assert scored.exit_code == 0, scored.output
    summary = json.loads(scored.stdout)
    assert summary["engine"] == "polars" and summary["credited_mg"] > 0
    assert summary["credited_mg"] == _output(tmp_path / "s", "awards")["avoided_mg"].sum()
    restated = CliRunner().invoke(
        app, ["score", *common, "--out", str(tmp_path / "r"), "--restate", _candidate(tmp_path)]
    )
    assert restated.exit_code == 0, restated.output
    answer = json.loads(restated.stdout)
    assert answer["sealed_unopened"] == 0
    walking = [line for line in answer["lines"] if line["behaviour"] == "walking"]
    assert walking and all(line["candidate_mg"] <= line["current_mg"] for line in walking)
    assert sum(line["current_mg"] - line["candidate_mg"] for line in walking) > 0


def test_restatement_by_month_adds_up_to_the_rescore_rule(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    """Per (behaviour, month) lines sum to what ``rescore`` computes per behaviour."""
    events, participants = world
    candidate = _candidate(tmp_path)
    lines = restate_files(
        ScoreRequest(events, participants, None, tmp_path, "polars"), candidate, "", ""
    ).lines
    assert lines.select(pl.col("month").n_unique()).item() >= 2
    shipped = active_programme("", "")
    pack = resolve_pack(candidate)
    others = [p for p in shipped.packs if p.id != pack.id]
    whole = restate(
        kernel_events(read_events(events)),
        read_participants(participants),
        BehaviourTable.from_packs(shipped.packs, dict(shipped.choices)),
        BehaviourTable.from_packs([*others, pack], dict(shipped.choices)),
    )
    by_behaviour = lines.group_by("behaviour").agg(pl.exclude("month").sum()).sort("behaviour")
    assert by_behaviour.equals(whole)


@pytest.mark.slow
def test_spark_scores_exactly_as_polars(
    world: tuple[Path, Path], spark: SparkRunner, tmp_path: Path
) -> None:
    events, participants = world
    local = score_files(ScoreRequest(events, participants, None, tmp_path / "p", "polars"), "", "")
    request = ScoreRequest(events, participants, None, tmp_path / "s", "spark", partitions=4)
    on_spark = score_files(request, "", "", runner=spark)
    assert (on_spark.events, on_spark.awards, on_spark.credited_mg) == (
        local.events,
        local.awards,
        local.credited_mg,
    )
    for name in OUTPUTS:
        expected, got = _output(tmp_path / "p", name), _output(tmp_path / "s", name)
        assert got.schema == expected.schema
        assert got.equals(expected), name


@pytest.mark.slow
def test_spark_restates_exactly_as_polars(
    world: tuple[Path, Path], spark: SparkRunner, tmp_path: Path
) -> None:
    events, participants = world
    candidate = _candidate(tmp_path)
    local = restate_files(
        ScoreRequest(events, participants, None, tmp_path / "p", "polars"), candidate, "", ""
    ).lines
    request = ScoreRequest(events, participants, None, tmp_path / "s", "spark", partitions=4)
    on_spark = restate_files(request, candidate, "", "", runner=spark).lines
    assert on_spark.equals(local)
    assert _output(tmp_path / "s", RESTATEMENT).equals(local)


@pytest.mark.slow
def test_spark_refuses_repeated_rows(
    world: tuple[Path, Path], spark: SparkRunner, tmp_path: Path
) -> None:
    _, participants = world
    twice = tmp_path / "twice"
    twice.mkdir()
    pl.concat([world_events().head(3)] * 2).write_parquet(twice / "e.parquet")
    request = ScoreRequest(twice, participants, None, tmp_path / "out", "spark", partitions=4)
    with pytest.raises(InputRejected, match="repeat"):
        score_files(request, "", "", runner=spark)

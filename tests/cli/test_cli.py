"""The methodology, import, rescore and quarantine commands, run as a user would (real DB)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.methodology.registry import shipped_pack_paths
from saxaul.scoring.table import BehaviourTable
from saxaul.services import methodology
from saxaul.sim.scenario import write_scenario

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAXAUL_CHUNK_ROWS", "1000")


def test_methodology_list_shows_every_shipped_pack() -> None:
    result = runner.invoke(app, ["methodology", "list", "--json"])
    assert result.exit_code == 0, result.output
    refs = {row["ref"] for row in json.loads(result.stdout)}
    assert {"ant-forest-2017@1.0.0", "shenzhen-public-transit-2021@1.0.0"} <= refs


def test_methodology_show_prints_a_pack_whole() -> None:
    result = runner.invoke(app, ["methodology", "show", "ant-forest-2017", "--json"])
    assert result.exit_code == 0, result.output
    pack = json.loads(result.stdout)
    behaviours = {b["id"]: b for b in pack["behaviours"]}
    assert behaviours["walking"]["caps"]["max_g"] == "296"
    assert {f["id"] for f in pack["factors"]} >= set(behaviours["metro_ride"]["factors"])
    assert all(s["url"] for s in pack["sources"])
    assert pack["content_hash"].startswith("sha256:")


def test_methodology_show_unknown_pack_says_what_exists() -> None:
    result = runner.invoke(app, ["methodology", "show", "no-such-pack"])
    assert result.exit_code == 2
    assert "ant-forest-2017" in result.output


def test_verify_passes_on_shipped_packs_and_fails_loudly_on_a_wrong_vector(
    tmp_path: Path,
) -> None:
    assert runner.invoke(app, ["methodology", "verify"]).exit_code == 0
    source = next(p for p in shipped_pack_paths() if "ant-forest-2017" in str(p))
    text = source.read_text(encoding="utf-8")
    broken = tmp_path / "pack.toml"
    broken.write_text(text.replace('expected_total_g = "296"', 'expected_total_g = "297"', 1))
    assert broken.read_text() != text, "the walking cap vector moved; update this test"

    result = runner.invoke(app, ["methodology", "verify", str(broken), "--json"])
    assert result.exit_code == 1
    outcomes = json.loads(result.stdout)
    assert [o["expected_g"] for o in outcomes if not o["ok"]] == ["297"]


def test_import_then_rescore_dry_run_and_quarantine(tmp_path: Path) -> None:
    shipped = methodology.active_programme("", "")
    scored = BehaviourTable.from_packs(shipped.packs, dict(shipped.choices)).behaviour_ids
    files = write_scenario(
        tmp_path / "d", users=50, events=800, days=1, seed=3, bad_rows=True, behaviours=scored
    )
    result = runner.invoke(app, ["import", "--json", *map(str, files)])
    assert result.exit_code == 0, result.output
    summaries = json.loads(result.stdout)
    assert [s["kind"] for s in summaries] == ["participants", "events", "events"]
    assert summaries[2]["rejected"] == 5

    again = json.loads(runner.invoke(app, ["import", "--json", str(files[1])]).stdout)
    assert again["new_events"] == 0 and again["duplicates"] == again["rows_read"]

    rescore = runner.invoke(
        app, ["rescore", "--pack", "ant-forest-2017@2.0.0", "--dry-run", "--json"]
    )
    assert rescore.exit_code == 0, rescore.output
    lines = json.loads(rescore.stdout)
    assert lines and all(line["delta_mg"] == 0 for line in lines)

    listed = json.loads(runner.invoke(app, ["quarantine", "list", "--json"]).stdout)
    assert listed["total"] == 5
    assert {row["code"] for row in listed["rows"]} >= {"invalid_timestamp", "malformed_row"}


def test_simulated_files_import_without_unknown_behaviours(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    simulated = runner.invoke(
        app, ["simulate", "--out", str(out), "--users", "40", "--events", "2000", "--days", "1"]
    )
    assert simulated.exit_code == 0, simulated.output
    files = [out / "participants.csv", *sorted(out.glob("events-*"))]
    imported = runner.invoke(app, ["import", "--json", *map(str, files)])
    assert imported.exit_code == 0, imported.output
    listed = json.loads(
        runner.invoke(app, ["quarantine", "list", "--code", "unknown_behaviour", "--json"]).stdout
    )
    assert listed["total"] == 0


def test_a_file_row_of_a_passed_over_behaviour_says_which_pack_scores_it(
    tmp_path: Path,
) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,source,user_id,behaviour,occurred_at,quantity\n"
        "k1,app,u1,metro_km,2026-03-01T08:15:00+08:00,4.2\n"
    )
    result = runner.invoke(app, ["import", "--json", str(events)])
    assert result.exit_code == 0, result.output
    [rejection] = json.loads(result.stdout)["rejections"]
    assert rejection["code"] == "unknown_behaviour"
    assert "scores as 'metro_ride' under ant-forest-2017; send metro_ride" in rejection["reason"]
    assert "SAXAUL_ACTIVITY_PACKS=metro_trip=shenzhen-public-transit-2021" in rejection["reason"]


def _rides_file(tmp_path: Path) -> Path:
    path = tmp_path / "rides.csv"
    path.write_text(
        "event_id,source,user_id,behaviour,occurred_at\n"
        + "".join(f"r{i},app,u1,metro_ride,2026-03-01T08:{i:02d}:00+08:00\n" for i in range(3))
    )
    return path


def test_import_says_which_run_it_is_before_the_rows_are_read(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(_rides_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "started import 1" in result.stderr
    assert result.output.index("started import 1") < result.output.index("events import")


def test_import_json_keeps_the_run_line_off_stdout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "--json", str(_rides_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["run"] == "started import 1"
    assert "started import 1" in result.stderr


def test_simulate_with_a_scenario_writes_friendships_and_daily_files(tmp_path: Path) -> None:
    out = tmp_path / "pilot"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--out",
            str(out),
            "--users",
            "300",
            "--days",
            "40",
            "--scenario",
            "pilot-2016@1.0.0",
            "--start",
            "2016-08-01",
            "--seed",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    # --users is the scenario's full population; 40 days hold those enrolled by then (~8 %)
    assert "pilot-2016@1.0.0: 25 participants" in result.output
    assert (out / "friendships.csv").read_text().startswith("user_a,user_b,since\n")
    assert sorted(p.name for p in out.glob("events-*.csv"))[-1] == "events-2016-09-09.csv"


def test_simulate_refuses_an_unknown_scenario(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--scenario", "nope@9.9.9"])
    assert result.exit_code == 2
    assert "pack_invalid" in result.output or "no shipped scenario" in result.output

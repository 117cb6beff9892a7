"""The demo, run small: the calibrated pilot and its report first, then every step prints, real
trees included (slow: 184 pilot days and a planting season); and whom its app links sign in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.cli.demo import app_sign_ins
from saxaul.config import Settings
from saxaul.services.certificate_seal import verify
from saxaul.services.participant_auth import authenticate_participant
from tests.conftest import FakeClock
from tests.game_world import balls_for, befriend, enrol

runner = CliRunner()


@pytest.mark.slow
def test_demo_plays_the_pilot_writes_its_report_and_shows_the_season_and_real_trees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(
        app,
        ["demo", "--no-serve", "--users", "600", "--events", "6000", "--pilot-users", "200"],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    for line in (
        "1 · the calibrated pilot pilot-2016@1.1.0: 200 participants, 1:1,000,000",
        "  2016-08: 10 participants,",
        "  2017-01: 200 participants,",
        "pilot played · 试点模拟",
        "2 · the pilot's impact report 2016-08-01..2017-01-31",
        "written: var/demo/report/impact.html",
        "│ top province · 第一省份 ",
        "│ 50 and over · 50岁以上 (%) ",
        "the next wave: simulated 600 participants (p0000201…) enrolling before 2026-11-02",
        "Participants 800 ",  # the pilot's 200 and the wave's 600: no id is reused
    ):
        assert line in out, line
    for heading in ("a planting season", "种树季", "real trees · 真树"):
        assert heading in out
    for line in (
        "trees planted (caragana",
        "orders of see-foundation · 订单: accepted 1, declined 1",
        "survival check · 成活抽查",
        "lost trees: replanted ",
        "Promised trees",
        "estimated sink:",
        "genuine, key",
        "green scenario · 绿色场景 scenario-acme-coffee@1.0.0",
        "delivered to see-foundation's receiver",
        "order.created",
        "tree.lost 2",
        "12 · beyond one machine",
        "rescored out of the store by the scoring kernel",
        "equal in every month to the milligram",
    ):
        assert line in out, line
    assert "budget 0/" not in out  # the business's scenario is in force on the wave's days
    report_dir = tmp_path / "var/demo/report"
    report = json.loads((report_dir / "impact.json").read_text(encoding="utf-8"))
    assert report["period"] == {"from": "2016-08-01", "to": "2017-01-31", "zone": "Asia/Shanghai"}
    assert report["tables"]["participants_by_gender"]["rows"][-1]["total"] == 200
    page = (report_dir / "impact.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html><html lang="en">')
    assert len(list(report_dir.glob("*.csv"))) == len(report["tables"])
    (certificate,) = (tmp_path / "var/demo").glob("certificate-*.json")
    assert certificate.with_suffix(".pdf").exists() and certificate.with_suffix(".html").exists()
    verified = verify(certificate.read_bytes())
    assert verified.key_id in out
    assert certificate.stem == f"certificate-{verified.certificate['tree']['id']}"


def test_demo_sign_in_links_go_to_players_with_a_ripe_ball_and_a_friend(
    tmp_path: Path, clock: FakeClock
) -> None:
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}"), clock=clock)
    enrol(rt, ["u1", "u2", "u3", "u4"], tmp_path)
    befriend(rt, "u1", "u2")
    befriend(rt, "u4", "u3")
    balls_for(rt, {"u1": 1, "u3": 1}, dt.date(2026, 11, 4))
    clock.advance(hours=25)  # ripe

    links = app_sign_ins(rt, ["u2", "u1", "u3", "u4"], 2)

    assert [player for player, _ in links] == ["u1", "u3"]  # u2 and u4 have no ball
    for player, token in links:
        assert authenticate_participant(rt, token).user_id == player
    assert app_sign_ins(rt, ["u1", "u3"], 1)[0][0] == "u1"
    rt.db.dispose()

"""``saxaul abuse scan | flags | decide``: the detectors and the review queue from a shell."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.config import Settings
from saxaul.services.imports import import_event_body
from tests.game_world import enrol

runner = CliRunner()


def test_flags_then_decide_then_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    rt = bootstrap(Settings())
    enrol(rt, ["u1"], tmp_path)
    walk = {
        "event_id": "w1",
        "source": "phone",
        "user_id": "u1",
        "behaviour": "walking",
        "occurred_at": f"{dt.date(2026, 11, 2).isoformat()}T20:00:00+08:00",
        "quantity": 400_000,
    }
    import_event_body(rt, json.dumps([walk]).encode(), "application/json", max_rows=10)
    assert runner.invoke(app, ["energy", "mint"]).exit_code == 0

    listed = runner.invoke(app, ["abuse", "flags", "--status", "open", "--json"])
    assert listed.exit_code == 0, listed.output
    (flag,) = json.loads(listed.output)["items"]
    assert flag["rule_id"] == "walking_steps_per_day"
    decided = runner.invoke(app, ["abuse", "decide", str(flag["id"]), "release", "--json"])
    assert decided.exit_code == 0 and json.loads(decided.output)["status"] == "released"
    refused = runner.invoke(app, ["abuse", "decide", str(flag["id"]), "confirm"])
    assert refused.exit_code == 2 and "already_decided" in refused.output
    scanned = runner.invoke(app, ["abuse", "scan", "--from", "2026-11-01T00:00:00+08:00", "--json"])
    assert scanned.exit_code == 0, scanned.output
    assert json.loads(scanned.output) == {"findings": 0, "flagged": 0, "held_g": 0}
    assert json.loads(runner.invoke(app, ["ledger", "audit", "--json"]).output)["ok"]
    rt.db.dispose()

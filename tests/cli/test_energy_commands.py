"""``saxaul energy mint|expire`` and ``saxaul ledger audit``: the scheduled jobs from a shell."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.config import Settings
from tests.game_world import RIDE_G, enrol, rides

runner = CliRunner()


def test_mint_then_audit_then_expire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    rt = bootstrap(Settings())
    enrol(rt, ["u1", "u2"], tmp_path)
    rides(rt, "u1", 3, dt.date(2026, 11, 2))
    rides(rt, "u2", 2, dt.date(2026, 11, 2))

    minted = runner.invoke(app, ["energy", "mint", "--json"])
    again = runner.invoke(app, ["energy", "mint", "--json"])
    audit = runner.invoke(app, ["ledger", "audit", "--json"])
    expired = runner.invoke(app, ["energy", "expire", "--json"])

    assert minted.exit_code == 0, minted.output
    assert json.loads(minted.output) == {"balls": 2, "grams": 5 * RIDE_G}
    assert json.loads(again.output) == {"balls": 0, "grams": 0}
    report = json.loads(audit.output)
    assert audit.exit_code == 0 and report["ok"] and report["issued_g"] == 5 * RIDE_G
    # scored just now (a late import), the balls start their clock now: nothing is due yet
    assert json.loads(expired.output) == {"balls": 0, "grams": 0}
    rt.db.dispose()


def test_audit_exits_1_and_names_a_tampered_balance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    rt = bootstrap(Settings())
    enrol(rt, ["u1"], tmp_path)
    rides(rt, "u1", 2, dt.date(2026, 11, 2))
    assert runner.invoke(app, ["energy", "mint"]).exit_code == 0
    with rt.db.engine.begin() as conn:  # a hand edit behind the ledger's back
        conn.execute(
            sa.text("UPDATE ledger_accounts SET balance_g = balance_g + 5 WHERE kind = 'ball'")
        )

    audit = runner.invoke(app, ["ledger", "audit"])

    assert audit.exit_code == 1
    assert "caches 109 g but its transfers sum to 104 g" in audit.output
    rt.db.dispose()

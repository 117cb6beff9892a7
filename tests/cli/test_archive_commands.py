"""``saxaul archive export`` and ``saxaul report --archive``, run as an operator would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.scoring.table import BehaviourTable
from saxaul.services import methodology
from saxaul.sim.scenario import write_scenario

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAXAUL_CHUNK_ROWS", "1000")
    monkeypatch.setenv("SAXAUL_REPORT_MIN_CELL", "2")


def test_a_report_from_the_archive_is_the_report_from_the_store(tmp_path: Path) -> None:
    shipped = methodology.active_programme("", "")
    scored = BehaviourTable.from_packs(shipped.packs, dict(shipped.choices)).behaviour_ids
    files = write_scenario(tmp_path / "d", users=60, events=900, days=3, seed=5, behaviours=scored)
    assert runner.invoke(app, ["import", *map(str, files)]).exit_code == 0
    archive = tmp_path / "archive"

    exported = runner.invoke(app, ["archive", "export", "--out", str(archive), "--json"])

    assert exported.exit_code == 0, exported.output
    manifest = json.loads(exported.stdout)
    assert manifest["tables"]["participants"]["rows"] == 60
    assert manifest["tables"]["events"]["months"] == {"2026-11": 900}
    period = ["--from", "2026-01-01", "--to", "2026-12-31"]
    store = runner.invoke(app, ["report", *period, "--out", str(tmp_path / "s")])
    stored = runner.invoke(
        app, ["report", *period, "--out", str(tmp_path / "a"), "--archive", str(archive)]
    )
    assert store.exit_code == 0 and stored.exit_code == 0, store.output + stored.output
    from_store = (tmp_path / "s" / "impact.json").read_text("utf-8")
    assert (tmp_path / "a" / "impact.json").read_text("utf-8") == from_store
    assert json.loads(from_store)["tables"]["avoided_emissions"]["rows"][10]["avoided_t"]


def test_report_refuses_a_directory_that_is_not_an_archive(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["report", "--from", "2026-01-01", "--to", "2026-01-31", "--out", str(tmp_path / "r"),
         "--archive", str(tmp_path)],
    )  # fmt: skip

    assert result.exit_code == 2
    assert "invalid_archive" in result.output


def test_score_rescoring_an_archive_opens_its_payments_with_the_configured_store(
    tmp_path: Path,
) -> None:
    shipped = methodology.active_programme("", "")
    scored = BehaviourTable.from_packs(shipped.packs, dict(shipped.choices)).behaviour_ids
    files = write_scenario(tmp_path / "d", users=30, events=300, days=2, seed=6, behaviours=scored)
    assert runner.invoke(app, ["import", *map(str, files)]).exit_code == 0
    archive = tmp_path / "archive"
    assert runner.invoke(app, ["archive", "export", "--out", str(archive)]).exit_code == 0

    result = runner.invoke(
        app, ["score", "--events", str(archive), "--out", str(tmp_path / "o"), "--json"]
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["sealed_unopened"] == 0 and summary["awards"] > 0
    plain = runner.invoke(
        app, ["score", "--events", str(archive / "events"), "--out", str(tmp_path / "p")]
    )
    assert plain.exit_code == 2 and "--participants" in plain.output

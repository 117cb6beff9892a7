"""``saxaul partitions ensure|list|archive``: on PostgreSQL they make, show and retire months;
on SQLite they say there is nothing to do, and a bad date is a clear refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.cli import app


def test_on_postgresql_ensure_makes_months_and_list_shows_them(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", pg_url)
    monkeypatch.setenv("SAXAUL_PARTITION_MONTHS_AHEAD", "1")
    made = CliRunner().invoke(app, ["partitions", "ensure", "--json"])
    assert made.exit_code == 0, made.output
    assert len(json.loads(made.output)["made"]) == 2 * 3, "this month and next, three tables"
    listed = CliRunner().invoke(app, ["partitions", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    names = {p["name"]: p for p in json.loads(listed.output)}
    assert names["events_default"]["rows"] == 0 and names["events_default"]["month"] is None
    assert sum(name.startswith("ledger_transfers_p") for name in names) == 2


def test_on_sqlite_there_is_nothing_to_do_and_a_future_month_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    listed = CliRunner().invoke(app, ["partitions", "list"])
    assert listed.exit_code == 0 and "SQLite is not partitioned" in listed.output
    refused = CliRunner().invoke(
        app, ["partitions", "archive", "--out", str(tmp_path / "a"), "--before", "2999-01-01"]
    )
    assert refused.exit_code != 0 and "only closed months" in refused.output
    bad = CliRunner().invoke(
        app, ["partitions", "archive", "--out", str(tmp_path / "a"), "--before", "June"]
    )
    assert bad.exit_code == 2 and "Traceback" not in bad.output

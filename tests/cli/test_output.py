"""`methodology list` and `report`: plain lines in a pipe, 80 columns in a terminal."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.cli.render import print_packs, print_summary
from saxaul.config import Settings
from saxaul.services import imports, methodology, participants, reporting
from saxaul.services.runtime import Runtime
from saxaul.sim.scenario import write_scenario
from tests.game_world import enrol, rides

runner = CliRunner()
BOX = set("┏┓┗┛┃━│─┌┐└┘├┤┼╇┡┩╭╮╰╯")


@pytest.fixture
def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """A database with four metro rides scored, named by SAXAUL_DATABASE_URL for the CLI."""
    url = f"sqlite:///{tmp_path / 'out.db'}"
    monkeypatch.setenv("SAXAUL_DATABASE_URL", url)
    runtime = bootstrap(Settings(database_url=url))
    enrol(runtime, ["u1", "u2"], tmp_path)
    rides(runtime, "u1", 3, dt.date(2026, 11, 2))
    rides(runtime, "u2", 1, dt.date(2026, 11, 2))
    return runtime


def _terminal(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, force_terminal=True, color_system=None), out


def test_methodology_list_piped_is_one_plain_line_per_pack() -> None:
    result = runner.invoke(app, ["methodology", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "pack",
        "title",
        "region",
        "behaviours",
        "factors",
        "vectors",
        "active",
    ]
    packs = methodology.list_packs(methodology.active_packs(""))
    assert len(lines) == 1 + len(packs)
    for line, pack in zip(lines[1:], packs, strict=True):
        assert line.startswith(pack.ref + " ")
        assert pack.title in line, "titles are not cut"
    assert not BOX & set(result.stdout) and "…" not in result.stdout


def test_report_piped_is_a_headline_then_one_plain_line_per_behaviour(rt: Runtime) -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    headline, header, *rows = result.stdout.splitlines()
    assert headline.startswith("Participants 2 (2 consenting to scoring) · events 4")
    assert header.split() == [
        "behaviour",
        "pack",
        "events",
        "scored",
        "users",
        "energy",
        "g",
        "kg",
        "CO2e",
    ]
    assert [row.split()[:3] for row in rows] == [["metro_ride", "ant-forest-2017@2.0.0", "4"]]
    assert not BOX & set(result.stdout) and "…" not in result.stdout


def test_at_80_columns_the_tables_fit_and_cut_nothing(rt: Runtime) -> None:
    console, out = _terminal(80)
    packs = methodology.list_packs(methodology.active_packs(""))
    print_packs(console, packs)
    print_summary(console, *reporting.summary(rt))
    text = out.getvalue()
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    assert BOX & set(text), "a terminal gets tables"
    assert "…" not in text
    for pack in packs:
        assert pack.ref in text, "a pack id is never folded or cut"
    assert "metro_ride" in text and "ant-forest-2017@1.0.0" in text


def test_the_report_headline_accounts_for_every_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sum.db'}"
    runtime = bootstrap(Settings(database_url=url))
    files = write_scenario(
        tmp_path / "d",
        users=200,
        events=6000,
        days=1,
        seed=5,
        behaviours=methodology.scored_behaviours(runtime),
    )
    for path in files[:1]:
        participants.import_participants(runtime, path)
    for path in files[1:]:
        imports.import_events(runtime, path)

    totals, behaviours = reporting.summary(runtime)
    parts = (totals.scored, totals.no_consent, totals.not_effective, totals.ineligible)
    assert totals.ineligible > 0 and totals.no_consent > 0
    assert sum(parts) == totals.events

    console, out = _terminal(200)
    print_summary(console, totals, behaviours)
    assert (
        f"events {totals.events:,} ({totals.scored:,} scored, {totals.no_consent:,} without "
        f"consent, {totals.not_effective:,} before their pack was in force, "
        f"{totals.ineligible:,} ineligible under a pack rule)"
    ) in out.getvalue()

"""``GET /v1/operator/report`` answers the document ``saxaul report --from --to --out`` writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.config import Settings
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.integration.test_impact_report import world

from .conftest import BOTH_STORES


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app's settings with k = 2, so the small world shows both figures and suppression."""
    return settings.model_copy(update={"report_min_cell": 2})


@BOTH_STORES
def test_the_api_answers_what_the_cli_writes(
    rt: Runtime,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world(rt, tmp_path, clock)
    monkeypatch.setenv("SAXAUL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SAXAUL_REPORT_MIN_CELL", "2")

    answer = client.get("/v1/operator/report?from=2026-10-01&to=2026-11-30", headers=auth)
    out = tmp_path / "report"
    done = CliRunner().invoke(
        app, ["report", "--from", "2026-10-01", "--to", "2026-11-30", "--out", str(out)]
    )
    csv_done = CliRunner().invoke(
        app,
        ["report", "--from", "2026-10-01", "--to", "2026-11-30", "--format", "csv", "--out",
         str(out)],
    )  # fmt: skip

    assert answer.status_code == 200, answer.text
    assert done.exit_code == 0, done.output
    assert csv_done.exit_code == 0, csv_done.output
    written = json.loads((out / "impact.json").read_text(encoding="utf-8"))
    assert answer.json() == written
    assert written["k"] == 2
    assert len(list(out.glob("*.csv"))) == 10


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-11-30&to=2026-10-01",
        "from=1969-12-31&to=1970-01-31",
        "from=2000-01-01&to=2026-01-01",
    ],
)
def test_a_period_that_cannot_be_reported_is_refused(
    client: TestClient, auth: dict[str, str], query: str
) -> None:
    answer = client.get(f"/v1/operator/report?{query}", headers=auth)

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_period"


@BOTH_STORES
def test_the_html_page_over_the_api_is_the_one_the_cli_writes_beside_its_json(
    rt: Runtime,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world(rt, tmp_path, clock)
    monkeypatch.setenv("SAXAUL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SAXAUL_REPORT_MIN_CELL", "2")

    answer = client.get(
        "/v1/operator/report?from=2026-10-01&to=2026-11-30&format=html&lang=en", headers=auth
    )
    out = tmp_path / "report"
    done = CliRunner().invoke(
        app,
        ["report", "--from", "2026-10-01", "--to", "2026-11-30", "--format", "html", "--lang",
         "en", "--out", str(out)],
    )  # fmt: skip
    default = client.get("/v1/operator/report?from=2026-10-01&to=2026-11-30", headers=auth)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert done.exit_code == 0, done.output
    assert answer.text == (out / "impact.html").read_text(encoding="utf-8")
    assert json.loads((out / "impact.json").read_text(encoding="utf-8")) == default.json()
    assert answer.text.startswith('<!DOCTYPE html><html lang="en">')

"""``saxaul serve``: where it listens and whether it runs the jobs, from options or settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from saxaul.cli import app

runner = CliRunner()


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``serve`` hands to uvicorn (the process edge: nothing is served)."""
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    seen: dict[str, Any] = {}

    def run(app: Any, host: str, port: int) -> None:
        seen.update(settings=app.state.settings, host=host, port=port)

    monkeypatch.setattr(uvicorn, "run", run)
    return seen


def test_serve_listens_where_the_settings_say_and_runs_the_jobs(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAXAUL_PORT", "8123")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    assert served["settings"].jobs is True


def test_options_override_the_settings(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAXAUL_HOST", "10.0.0.1")
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "9000", "--no-jobs"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("0.0.0.0", 9000)
    assert served["settings"].jobs is False


def test_the_jobs_setting_turns_them_off_and_the_option_back_on(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAXAUL_JOBS", "false")
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert served["settings"].jobs is False
    assert runner.invoke(app, ["serve", "--jobs"]).exit_code == 0
    assert served["settings"].jobs is True


def test_a_port_out_of_range_is_refused(served: dict[str, Any]) -> None:
    result = runner.invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "65535" in result.output
    assert not served

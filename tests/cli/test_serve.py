"""``saxaul serve``: where it listens, how many processes, whether it runs the jobs.

The process edge is faked (``uvicorn.run`` records what it was asked and serves nothing); what
a worker would serve is the ``Settings()`` it builds from the environment the command left.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.cli.serving import APP_FACTORY
from saxaul.config import Settings

runner = CliRunner()


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """What ``serve`` hands to uvicorn, and the settings each worker would build."""
    saved = dict(os.environ)
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    seen: dict[str, Any] = {}

    def run(target: Any, **options: Any) -> None:
        seen.update(target=target, settings=Settings(), **options)

    monkeypatch.setattr(uvicorn, "run", run)
    yield seen
    os.environ.clear()
    os.environ.update(saved)


def test_serve_listens_where_the_settings_say_and_runs_the_jobs(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAXAUL_PORT", "8123")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    assert (served["target"], served["factory"]) == (APP_FACTORY, True)
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


def test_sqlite_is_served_by_one_process_unless_told_otherwise(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert served["workers"] == 1
    monkeypatch.setenv("SAXAUL_WORKERS", "2")
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert served["workers"] == 2
    assert runner.invoke(app, ["serve", "--workers", "3"]).exit_code == 0
    assert served["workers"] == 3


def test_postgresql_is_served_by_one_process_per_core(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", pg_url)
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert served["workers"] == (os.cpu_count() or 1)
    assert served["settings"].database_url == pg_url


def test_several_workers_find_the_database_migrated_before_they_start(
    served: dict[str, Any], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["serve", "--workers", "2"]).exit_code == 0

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    assert "alembic_version" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_the_access_log_is_on_unless_turned_off(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert served["access_log"] is True
    assert runner.invoke(app, ["serve", "--no-access-log"]).exit_code == 0
    assert served["access_log"] is False
    monkeypatch.setenv("SAXAUL_ACCESS_LOG", "false")
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert served["access_log"] is False

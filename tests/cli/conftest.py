"""What the CLI command tests share: the CLI's own database with one participant enrolled
(a test module that needs another world defines its own `rt`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.config import Settings
from saxaul.services.runtime import Runtime


@pytest.fixture
def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """The CLI's database, with participant p0000001 enrolled through ``saxaul import``."""
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    people = tmp_path / "people.csv"
    people.write_text("user_id,enrolled_at,consent\np0000001,2026-01-01T00:00:00+08:00,true\n")
    assert CliRunner().invoke(app, ["import", str(people)]).exit_code == 0
    runtime = bootstrap(Settings())
    yield runtime
    runtime.db.dispose()

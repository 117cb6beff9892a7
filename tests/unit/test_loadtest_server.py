"""How the load test starts the server: ``saxaul serve --workers`` when it exists, else uvicorn."""

from __future__ import annotations

import sys

import pytest

from saxaul.loadtest import server
from saxaul.loadtest.world import BenchFailed


def test_a_serve_with_workers_is_started_as_an_operator_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server, "serve_takes_workers", lambda: True)

    command = server.server_command(8123, workers=2)

    assert command[:4] == [sys.executable, "-m", "saxaul", "serve"]
    assert command[command.index("--port") + 1] == "8123"
    assert "--no-jobs" in command
    assert command[-2:] == ["--workers", "2"]
    assert "--workers" not in server.server_command(8123, workers=None)


def test_without_the_option_the_app_factory_runs_under_uvicorn_and_more_workers_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server, "serve_takes_workers", lambda: False)

    command = server.server_command(8123, workers=None)

    assert command[1:5] == ["-m", "uvicorn", "saxaul.api.app:create_app", "--factory"]
    assert server.server_command(8123, workers=1) == command
    with pytest.raises(BenchFailed, match="no --workers option"):
        server.server_command(8123, workers=4)
